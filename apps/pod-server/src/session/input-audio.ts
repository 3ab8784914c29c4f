/**
 * The input side of a session: 16 kHz audio in, the server's VAD over it (one Silero stream, frames
 * in order on one promise chain), the utterance being collected with its pre-roll, and where the VAD
 * heard voice — so a commit can tell speech from silence or noise, and say how long the end-of-turn
 * silence was. It decides nothing about turns: it reports VAD events and hands out utterances.
 */
import { concatFloat32, Framer } from "@fireside/audio";
import { LIMITS, ProtocolError, type TurnDetection } from "@fireside/protocol";
import type { VadEngine, VadStream } from "../engines/types.js";
import { TurnDetector, type TurnEvent } from "./turn-detector.js";

/** Audio kept from before speech was confirmed (plus minSpeechMs), so the first syllable is not clipped. */
const PREROLL_MS = 300;
/**
 * Server VAD: the utterance starts PREROLL_MS before the voice's onset — the first voiced frame
 * with no longer gap than this before the frames that confirmed it. The confirmation counts
 * frames since the last dip, so a soft first sound ("St-" of "Stop", then a dip) came earlier.
 */
const ONSET_GAP_MS = 300;
/** The most audio kept waiting for an onset that far back. */
const PREROLL_MAX_MS = 1000;
/** Silence within speech after which the utterance so far is worth transcribing ahead of the commit. */
const SPECULATE_AFTER_MS = 128;
/** VAD frame ends of voiced frames are kept this long, to judge each committed utterance. */
const VOICED_HISTORY_SAMPLES = 16000 * 40;
/**
 * Audio waiting for the VAD at most. A pod this far behind hearing a speaker is past its capacity:
 * what comes on top is dropped (and the client told, E_BUSY), not queued without bound.
 */
export const MAX_VAD_BACKLOG_SAMPLES = (16000 * LIMITS.maxVadBacklogMs) / 1000;

export interface Utterance {
  audio: Float32Array;
  samples: number;
  /** ms the VAD called voiced within the utterance, once it has caught up with it. */
  voicedMs: Promise<number>;
  /** Server VAD only: the silence waited since the last voiced frame. */
  endOfTurnMs?: number;
}

/** The utterance so far at a pause, with where its voice ended. */
export interface PauseSnapshot {
  audio: Float32Array;
  lastVoicedAt: number;
}

export class InputAudio {
  private readonly vad: VadStream;
  private readonly framer: Framer<Float32Array>;
  private readonly detector: TurnDetector;
  private chain: Promise<void> = Promise.resolve();
  private utterance: Float32Array[] = [];
  private utteranceSamples = 0;
  private preroll: Float32Array[] = [];
  private collectingNow = false;
  /** 16 kHz samples received, the VAD's position in them, and the end of every recent voiced frame. */
  private inputSamples = 0;
  private vadSamples = 0;
  private voicedFrameEnds: number[] = [];
  private stopped = false;
  private pauseReported = false;
  /** Samples handed to the VAD chain and not processed yet; whether audio is being dropped for it. */
  private vadBacklog = 0;
  private dropping = false;

  constructor(
    private readonly engine: VadEngine,
    private detection: TurnDetection,
    private readonly events: {
      onTurnEvent(ev: TurnEvent): void;
      onError(err: unknown): void;
      /** The speaker paused mid-utterance: maybe the end of the turn. */
      onPause?(snapshot: PauseSnapshot): void;
      /** Voice came back after a reported pause. */
      onResume?(): void;
    },
  ) {
    this.vad = engine.createStream();
    this.framer = Framer.float32(engine.frameSamples);
    this.detector = new TurnDetector(detection, (engine.frameSamples / 16000) * 1000);
  }

  get collecting(): boolean {
    return this.collectingNow;
  }

  /** Where the VAD last heard voice, in input samples (0: never). */
  get lastVoicedAt(): number {
    return this.voicedFrameEnds.at(-1) ?? 0;
  }

  /** Input samples the VAD has heard so far. */
  get vadPosition(): number {
    return this.vadSamples;
  }

  /** ms the VAD called voiced since input sample `since`. */
  voicedMsSince(since: number): number {
    let frames = 0;
    for (let i = this.voicedFrameEnds.length - 1; i >= 0 && this.voicedFrameEnds[i]! > since; i--) frames++;
    return (frames * this.engine.frameSamples * 1000) / 16000;
  }

  /** ms of audio in the utterance being collected. */
  get collectedMs(): number {
    return (this.utteranceSamples / 16000) * 1000;
  }

  setDetection(detection: TurnDetection): void {
    this.detection = detection;
    this.detector.update(detection);
  }

  /** Appends audio: to the utterance while collecting, else to the pre-roll; and runs the VAD on it. */
  push(audio: Float32Array): void {
    if (this.vadBacklog + audio.length > MAX_VAD_BACKLOG_SAMPLES) {
      if (!this.dropping) {
        this.dropping = true;
        this.events.onError(
          new ProtocolError(
            "E_BUSY",
            `the pod is ${MAX_VAD_BACKLOG_SAMPLES / 16000} s behind hearing you: audio is dropped until it catches up`,
          ),
        );
      }
      return;
    }
    if (this.vadBacklog === 0) this.dropping = false;
    this.inputSamples += audio.length;
    if (this.collectingNow) {
      this.utterance.push(audio);
      this.utteranceSamples += audio.length;
    } else {
      this.preroll.push(audio);
      let n = this.preroll.reduce((a, c) => a + c.length, 0);
      const keep = ((PREROLL_MAX_MS + this.detection.minSpeechMs) * 16000) / 1000;
      while (this.preroll.length > 1 && n - this.preroll[0]!.length >= keep) n -= this.preroll.shift()!.length;
    }
    const frames = this.framer.push(audio);
    if (frames.length === 0) return;
    const queued = frames.reduce((n, f) => n + f.length, 0);
    this.vadBacklog += queued;
    const work = async () => {
      try {
        await this.hear(frames);
      } finally {
        this.vadBacklog -= queued;
      }
    };
    // Caught on the chain itself: a failed frame is reported once and the next ones are still heard.
    this.chain = this.chain.then(work).catch((err) => this.events.onError(err));
  }

  private async hear(frames: Float32Array[]): Promise<void> {
    for (const f of frames) {
      if (this.stopped) return;
      const p = await this.vad.process(f);
      this.noteVoiced(p, f.length);
      const ev = this.detector.push(p);
      if (ev) this.events.onTurnEvent(ev);
      const pause = this.detector.pauseMs;
      if (pause === 0 && this.pauseReported) {
        this.pauseReported = false;
        if (this.collectingNow && this.detector.speaking) this.events.onResume?.();
      } else if (pause >= SPECULATE_AFTER_MS && !this.pauseReported && this.collectingNow) {
        this.pauseReported = true;
        this.events.onPause?.({ audio: this.current(), lastVoicedAt: this.lastVoicedAt });
      }
    }
  }

  /**
   * Sets how much silence ends the pause whose voice ended at `lastVoicedAt` — unless voice came
   * back since, which makes it a different pause.
   */
  endPauseAfter(lastVoicedAt: number, ms: number): void {
    if (this.lastVoicedAt === lastVoicedAt) this.detector.setPauseTarget(ms);
  }

  /**
   * Starts an utterance with the pre-roll in front of it: from PREROLL_MS before the voice's onset
   * when the server VAD says where its speech started (input sample `speechAt`), else the last
   * PREROLL_MS plus minSpeechMs.
   */
  startCollecting(speechAt?: number): void {
    if (this.collectingNow) return;
    this.collectingNow = true;
    const held = this.preroll.reduce((a, c) => a + c.length, 0);
    const from =
      speechAt === undefined
        ? this.inputSamples - ((PREROLL_MS + this.detection.minSpeechMs) * 16000) / 1000
        : this.onsetBefore(speechAt) - (PREROLL_MS * 16000) / 1000;
    let drop = Math.max(0, from - (this.inputSamples - held));
    while (drop > 0 && this.preroll.length > 0) {
      const first = this.preroll[0]!;
      if (first.length <= drop) {
        drop -= first.length;
        this.preroll.shift();
      } else {
        this.preroll[0] = first.subarray(drop);
        drop = 0;
      }
    }
    this.utterance = this.preroll;
    this.utteranceSamples = this.preroll.reduce((a, c) => a + c.length, 0);
    this.preroll = [];
  }

  /** Where the voice around input sample `at` began: back over voiced frames no further apart than ONSET_GAP_MS. */
  private onsetBefore(at: number): number {
    const n = this.engine.frameSamples;
    const gap = (ONSET_GAP_MS * 16000) / 1000;
    let onset = at;
    for (let i = this.voicedFrameEnds.length - 1; i >= 0; i--) {
      const end = this.voicedFrameEnds[i]!;
      if (end > at + n) continue;
      if (onset - end > gap) break;
      onset = Math.min(onset, end - n);
    }
    return onset;
  }

  /** Puts earlier audio in front of the utterance being collected (the user's sentence went on after a pause). */
  prepend(audio: Float32Array): void {
    if (!this.collectingNow) return;
    this.utterance.unshift(audio);
    this.utteranceSamples += audio.length;
  }

  /** The utterance so far, for a partial transcript. */
  current(): Float32Array {
    return concatFloat32(this.utterance);
  }

  /** Ends the utterance and hands it over. */
  take(): Utterance {
    const samples = this.utteranceSamples;
    const audio = concatFloat32(this.utterance);
    this.clear();
    const end = this.inputSamples;
    const lastVoiced = this.voicedFrameEnds.at(-1);
    return {
      audio,
      samples,
      voicedMs: this.voicedBetween(end - samples, end, this.chain),
      ...(this.detection.mode === "server_vad" && lastVoiced !== undefined
        ? { endOfTurnMs: Math.round((this.vadSamples - lastVoiced) / 16) }
        : {}),
    };
  }

  /** Drops the utterance being collected. */
  clear(): void {
    this.utterance = [];
    this.utteranceSamples = 0;
    this.collectingNow = false;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Remembers where the VAD heard voice (the detector's lower, staying-in-speech threshold). */
  private noteVoiced(probability: number, samples: number): void {
    this.vadSamples += samples;
    if (probability < this.detection.threshold - 0.15) return;
    this.voicedFrameEnds.push(this.vadSamples);
    while (this.voicedFrameEnds.length && this.voicedFrameEnds[0]! < this.vadSamples - VOICED_HISTORY_SAMPLES) this.voicedFrameEnds.shift();
  }

  private async voicedBetween(start: number, end: number, vadDone: Promise<void>): Promise<number> {
    await vadDone.catch(() => {});
    const n = this.engine.frameSamples;
    const frames = this.voicedFrameEnds.filter((e) => e > start && e <= end + n).length;
    return (frames * n * 1000) / 16000;
  }
}
