/** Partial transcripts of the utterance being collected: re-transcribed at most every `everyMs`, one at a time. */
import type { Engines } from "../engines/types.js";

export class PartialTranscripts {
  private at = 0;
  private inFlight = false;

  constructor(
    private readonly asr: Engines["asr"],
    private readonly everyMs: number,
    private readonly language: string | undefined,
    /** A partial for `itemId` is in; the caller drops it if that utterance is over. */
    private readonly heard: (itemId: string, text: string) => void,
  ) {}

  /** Transcribes `input`'s utterance so far for `itemId`, when one is due. */
  maybe(itemId: string, input: { collectedMs: number; current(): Float32Array }): void {
    if (!this.asr.supportsPartials || this.everyMs <= 0 || this.inFlight) return;
    if (Date.now() - this.at < this.everyMs || input.collectedMs < 500) return;
    this.inFlight = true;
    this.at = Date.now();
    this.asr
      .transcribe(input.current(), this.language ? { language: this.language } : {})
      .then((t) => this.heard(itemId, t.text))
      .catch(() => {})
      .finally(() => {
        this.inFlight = false;
      });
  }
}
