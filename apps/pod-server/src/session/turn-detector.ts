/**
 * Server-side endpointing on VAD probabilities: speech starts after `minSpeechMs` of speech
 * frames and ends after `silenceMs` of silence. Hysteresis (a lower threshold to stay in speech)
 * keeps soft word endings from splitting a sentence.
 */
import type { TurnDetection } from "@fireside/protocol";

/**
 * A voice this long, not yet confirmed as speech, is reported (`voice_onset`) so a reply playing can
 * pause at once; if it fades before minSpeechMs it is reported gone (`voice_gone`).
 */
export const VOICE_ONSET_MS = 96;

/** `confirmedAfterMs`: how much speech the detector heard before it was sure (minSpeechMs or more). */
export type TurnEvent =
  | { type: "speech_started"; atMs: number; confirmedAfterMs: number }
  | { type: "speech_stopped"; atMs: number }
  | { type: "voice_onset"; atMs: number }
  | { type: "voice_gone"; atMs: number };

export class TurnDetector {
  private inSpeech = false;
  private speechMs = 0;
  private silenceMs = 0;
  private positionMs = 0;
  /** This pause's silence target, when the words so far say how long to wait (reset by speech). */
  private pauseTargetMs: number | null = null;
  private onsetReported = false;

  constructor(
    private settings: TurnDetection,
    private readonly frameMs: number,
  ) {}

  update(settings: TurnDetection): void {
    this.settings = settings;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** ms of silence since the last speech frame while still in speech (0 otherwise). */
  get pauseMs(): number {
    return this.inSpeech ? this.silenceMs : 0;
  }

  /** Feeds one frame's speech probability; returns an event when the state flips. */
  push(probability: number): TurnEvent | null {
    this.positionMs += this.frameMs;
    const { threshold, minSpeechMs, silenceMs } = this.settings;
    const isSpeech = probability >= (this.inSpeech ? threshold - 0.15 : threshold);
    if (isSpeech) {
      this.speechMs += this.frameMs;
      this.silenceMs = 0;
      this.pauseTargetMs = null;
      if (!this.inSpeech && this.speechMs >= Math.max(minSpeechMs, this.frameMs)) {
        this.inSpeech = true;
        this.onsetReported = false;
        return { type: "speech_started", atMs: this.positionMs - this.speechMs, confirmedAfterMs: this.speechMs };
      }
      if (!this.inSpeech && !this.onsetReported && this.speechMs >= VOICE_ONSET_MS) {
        this.onsetReported = true;
        return { type: "voice_onset", atMs: this.positionMs - this.speechMs };
      }
    } else {
      this.silenceMs += this.frameMs;
      if (!this.inSpeech) {
        this.speechMs = 0;
        if (this.onsetReported) {
          this.onsetReported = false;
          return { type: "voice_gone", atMs: this.positionMs - this.silenceMs };
        }
      } else if (this.silenceMs >= (this.pauseTargetMs ?? silenceMs)) {
        this.inSpeech = false;
        this.speechMs = 0;
        return { type: "speech_stopped", atMs: this.positionMs - this.silenceMs };
      }
    }
    return null;
  }

  /** Ends the current pause after `ms` of silence instead of silenceMs (at the next frame if already past). */
  setPauseTarget(ms: number): void {
    if (this.inSpeech) this.pauseTargetMs = ms;
  }

  reset(): void {
    this.inSpeech = false;
    this.onsetReported = false;
    this.speechMs = this.silenceMs = 0;
  }
}
