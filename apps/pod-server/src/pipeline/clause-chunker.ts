/**
 * Sits between the LLM and TTS: turns a token stream into speakable pieces. The first piece is
 * released at the first clause boundary with a few words, so speech starts early; later pieces
 * at sentence ends (or long clauses), so prosody stays natural.
 */

export interface ChunkerOptions {
  /** Words the first piece needs before a comma-like boundary releases it. */
  firstClauseWords: number;
  /** Words after which a later piece is released at a clause boundary. */
  longClauseWords: number;
  /** Words after which a piece is released at any space (run-on text). */
  maxWords: number;
}

export const DEFAULT_CHUNKER = { firstClauseWords: 3, longClauseWords: 14, maxWords: 40 } as const satisfies ChunkerOptions;

const ABBREVIATIONS = new Set(["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no", "approx"]);

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

export class ClauseChunker {
  private buffer = "";
  private emitted = 0;
  constructor(private readonly opts: ChunkerOptions = DEFAULT_CHUNKER) {}

  /** Adds LLM text; returns the pieces now ready to speak. */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const piece = clean(this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut);
      if (piece) {
        out.push(piece);
        this.emitted++;
      }
    }
    return out;
  }

  /** The rest, when the LLM is done. */
  flush(): string[] {
    const piece = clean(this.buffer);
    this.buffer = "";
    return piece ? [piece] : [];
  }

  private findCut(): number {
    const b = this.buffer;
    // A boundary counts only once whitespace follows it, so "3.5" and "e.g." mid-word never split.
    const re = /([.!?…]+["')\]]*|[,;:—–])(\s+)/g;
    for (let m = re.exec(b); m; m = re.exec(b)) {
      const end = m.index + m[1]!.length;
      const before = b.slice(0, end);
      const words = wordCount(before);
      const isSentence = /[.!?…]/.test(m[1]!);
      if (isSentence) {
        const last = before.slice(0, -m[1]!.length).split(/\s+/).pop()?.toLowerCase() ?? "";
        if (m[1] === "." && (ABBREVIATIONS.has(last) || /^[a-z]$/i.test(last))) continue;
        return end + m[2]!.length;
      }
      const need = this.emitted === 0 ? this.opts.firstClauseWords : this.opts.longClauseWords;
      if (words >= need) return end + m[2]!.length;
    }
    if (wordCount(b) > this.opts.maxWords) {
      const lastSpace = b.trimEnd().lastIndexOf(" ");
      if (lastSpace > 0) return lastSpace + 1;
    }
    return -1;
  }
}

/** Strips markdown and symbols a voice should not read out. */
function clean(s: string): string {
  return s
    .replace(/[*_#`>~]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
