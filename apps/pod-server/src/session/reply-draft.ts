/**
 * A reply started during the end-of-turn silence. When the speaker pauses, the session already has
 * a transcript of the pause (ASR speculation); the draft runs the LLM on it and synthesises the
 * first speakable clause while the silence is still being waited out. Nothing leaves the pod: the
 * deltas and audio wait in queues. If the turn is committed with the same words and the same
 * prompt, the reply adopts the draft and starts with work already done; otherwise it is thrown away.
 */
import type { ChatMessage, Engines } from "../engines/types.js";
import { ClauseChunker } from "../pipeline/clause-chunker.js";
import { AsyncQueue } from "../streams/async-queue.js";

export interface DraftOptions {
  maxTokens: number;
  temperature: number;
  /** The conversation, so the LLM reuses its KV cache. */
  cacheKey: string;
  voice?: string;
  /** The TTS context (the session), for engines that condition on earlier sentences. */
  contextId: string;
}

export class ReplyDraft {
  readonly abort = new AbortController();
  /** Every LLM delta, from the first; read once by the adopting reply. */
  readonly deltas = new AsyncQueue<string>();
  readonly startedAt = Date.now();
  /** Set by the reply that took the draft over; it owns the abort from then on. */
  adopted = false;
  private firstPiece: { text: string; audio: AsyncQueue<Float32Array> } | null = null;
  private firstStarted = false;

  constructor(
    private readonly engines: Pick<Engines, "llm" | "tts">,
    /** What the user said, as the pause's transcript has it. */
    readonly userText: string,
    /** The LLM's messages, the user's words last. */
    readonly prompt: ChatMessage[],
    private readonly opts: DraftOptions,
  ) {
    // Aborted (discarded, or the adopting reply cancelled): readers stop at once, whatever the engines do.
    this.abort.signal.addEventListener("abort", () => {
      this.deltas.end();
      this.firstPiece?.audio.end();
    });
    void this.think();
  }

  /** True when a commit would build exactly this reply: same words, same prompt. */
  matches(userText: string, prompt: ChatMessage[]): boolean {
    return (
      !this.abort.signal.aborted &&
      userText === this.userText &&
      prompt.length === this.prompt.length &&
      prompt.every((m, i) => m.role === this.prompt[i]!.role && m.content === this.prompt[i]!.content)
    );
  }

  /** The first clause's audio, if the draft synthesised it and `text` is that clause; each piece is taken once. */
  takeAudio(text: string): AsyncIterable<Float32Array> | null {
    const piece = this.firstPiece;
    if (!piece || piece.text !== text) return null;
    this.firstPiece = null;
    return piece.audio;
  }

  discard(): void {
    this.abort.abort();
    this.firstPiece = null;
  }

  private async think(): Promise<void> {
    const { signal } = this.abort;
    const chunker = new ClauseChunker();
    try {
      for await (const delta of this.engines.llm.stream(this.prompt, {
        signal,
        maxTokens: this.opts.maxTokens,
        temperature: this.opts.temperature,
        cacheKey: this.opts.cacheKey,
      })) {
        if (signal.aborted) break;
        this.deltas.push(delta);
        if (!this.firstStarted) {
          const [first] = chunker.push(delta);
          if (first !== undefined) this.synthesiseFirst(first);
        }
      }
      this.deltas.end();
    } catch (err) {
      // The adopting reply sees the same failure it would have met itself.
      this.deltas.end(signal.aborted ? undefined : err);
    } finally {
      // However it stopped (a cancel, a barge-in), the reader must not wait for more.
      this.deltas.end();
    }
  }

  private synthesiseFirst(text: string): void {
    const audio = new AsyncQueue<Float32Array>();
    this.firstStarted = true;
    this.firstPiece = { text, audio };
    const { signal } = this.abort;
    void (async () => {
      try {
        for await (const chunk of this.engines.tts.synthesize(text, {
          signal,
          priority: "live",
          context: { id: this.opts.contextId },
          ...(this.opts.voice ? { voice: this.opts.voice } : {}),
        })) {
          if (signal.aborted) break;
          audio.push(chunk);
        }
        audio.end();
      } catch (err) {
        audio.end(err);
      }
    })();
  }
}
