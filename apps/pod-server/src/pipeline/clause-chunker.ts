/**
 * Sits between the LLM and TTS: turns a token stream into speakable pieces. The first piece is
 * released early — at the first clause boundary with a few words, or where a phrase or a number
 * begins ("…blue | because of…", "…approximately | 2,150 miles") once it has a few words, or
 * after a handful of words at the latest — because a TTS that synthesises a piece at once
 * (Piper) makes the listener wait for all of it.
 * Later pieces end at sentence ends (or long clauses), so prosody stays natural.
 */

export interface ChunkerOptions {
  /** Words the first piece needs before a comma-like boundary releases it. */
  firstClauseWords: number;
  /** Words the first piece needs before it may end where a phrase begins (before "because", "that", "of"…); 0: never. */
  firstPhraseWords: number;
  /** Words after which the first piece is released at any space; 0: no limit. */
  firstMaxWords: number;
  /** Words after which a later piece is released at a clause boundary. */
  longClauseWords: number;
  /** Words after which a piece is released at any space (run-on text). */
  maxWords: number;
}

export const DEFAULT_CHUNKER = {
  firstClauseWords: 3,
  firstPhraseWords: 4,
  firstMaxWords: 9,
  longClauseWords: 14,
  maxWords: 40,
} as const satisfies ChunkerOptions;

/** Words that open a phrase: a break before them is where a speaker could breathe. */
const PHRASE_OPENERS = new Set(
  (
    "because and but or so that which who whom whose where when while whereas although though if unless until since " +
    "after before as than like to of in on at for with without from about into through over under between during by"
  ).split(" "),
);

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
    const punctuation = this.punctuationCut(b);
    const phrase = this.emitted === 0 ? this.firstPhraseCut(b) : -1;
    if (punctuation > 0 && phrase > 0) return Math.min(punctuation, phrase);
    if (punctuation > 0 || phrase > 0) return Math.max(punctuation, phrase);
    if (wordCount(b) > this.opts.maxWords) {
      const lastSpace = b.trimEnd().lastIndexOf(" ");
      if (lastSpace > 0) return lastSpace + 1;
    }
    return -1;
  }

  private punctuationCut(b: string): number {
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
    return -1;
  }

  /**
   * Where the first piece may end without punctuation: before a phrase opener once it has
   * `firstPhraseWords`, or after `firstMaxWords`. Only whole words count (a space follows them).
   */
  private firstPhraseCut(b: string): number {
    const { firstPhraseWords, firstMaxWords } = this.opts;
    const words = [...b.matchAll(/\S+(?=\s)/g)];
    for (let i = 0; i < words.length; i++) {
      const n = i + 1; // words before the cut if it falls after word i
      const next = words[i + 1];
      const after = words[i]!.index! + words[i]![0].length;
      if (firstMaxWords > 0 && n >= firstMaxWords) return after + 1;
      if (firstPhraseWords > 0 && n >= firstPhraseWords && next && opensPhrase(next[0])) return next.index!;
    }
    return -1;
  }
}

const bare = (word: string) => word.toLowerCase().replace(/^[^a-z']+|[^a-z']+$/g, "");

/**
 * A phrase opener, or a number: "2,150" is read as five words, so a first piece running on
 * through one ("…approximately two thousand one hundred and fifty miles away") takes twice as long
 * to synthesise as its written words suggest.
 */
const opensPhrase = (word: string) => PHRASE_OPENERS.has(bare(word)) || /^[$£€]?\d/.test(word);

/** Strips markdown and symbols a voice should not read out. */
function clean(s: string): string {
  return s
    .replace(/[*_#`>~]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
