/**
 * One reply of the assistant as an object: its ids, its abort, its audio output (framing, codec,
 * pacing behind a narrow sink), the clauses it spoke with where each lies in the audio, and its
 * status — which changes only through the methods here.
 */
import { Framer, floatToInt16 } from "@fireside/audio";
import { type CodecName, FrameKind, type SampleRate, type ServerMessage, type TurnMetrics } from "@fireside/protocol";
import { FrameEncoder } from "./audio-codecs.js";
import type { EndOfTurnRecord } from "./end-of-turn.js";
import { heardText, type SpokenSegment } from "./heard-text.js";
import { OutputPacer } from "./output-pacer.js";

/** Output frames of 40 ms: fine enough that a barge-in cuts within one frame. */
const OUTPUT_FRAME_MS = 40;

export type ReplyStatus = "running" | "completed" | "interrupted" | "cancelled" | "failed";
export type EndedStatus = Exclude<ReplyStatus, "running">;

/** Where a reply's messages and audio go: the socket, as narrow as a reply needs it. */
export interface ReplySink {
  send(msg: ServerMessage): void;
  sendBinary(bytes: Uint8Array): void;
  /** Bytes queued on the socket but not yet written; a slow client pauses sending. */
  backlog(): number;
  /** Counts encoded bytes and frames sent, for the pod's metrics. */
  counted(bytes: number, codec: CodecName): void;
}

export interface ReplyOptions {
  id: string;
  streamId: number;
  inReplyTo: string;
  /** Typed turns have no voice-to-voice latency. */
  spoken: boolean;
  committedAt: number;
  metrics: TurnMetrics;
  /** How the user's turn was ended (server VAD), reported with the metrics. */
  endOfTurn?: EndOfTurnRecord;
  /** A draft's abort when the reply adopts one: aborting the reply stops the draft's engines too. */
  abort?: AbortController;
  output: { codec: CodecName; sampleRate: SampleRate; opusBitrate: number; leadMs: number };
  /** The first frame is about to go out (the reply starts speaking). */
  onFirstAudio(reply: Reply): void;
}

export class Reply {
  readonly id: string;
  readonly streamId: number;
  readonly inReplyTo: string;
  readonly spoken: boolean;
  readonly committedAt: number;
  readonly metrics: TurnMetrics;
  readonly endOfTurn: EndOfTurnRecord | undefined;
  readonly abort: AbortController;
  readonly sampleRate: SampleRate;
  /** Each clause spoken, with its sample range in the reply's audio. */
  readonly segments: SpokenSegment[] = [];
  /** The LLM's text so far. */
  text = "";
  /** Samples the user heard, once known (interrupted, or cut by a drop); null: all of it. */
  playedSamples: number | null = null;
  /** Set while the session waits for the client to say how much of an interrupted reply it played. */
  interruptWaiter: ((played: number) => void) | null = null;
  /** turn.metrics goes out once per reply. */
  metricsSent = false;
  private state: ReplyStatus = "running";
  private readonly pacer: OutputPacer;
  private readonly framer: Framer<Int16Array>;
  private readonly encoder: FrameEncoder;
  /** Samples captured (before pacing), the position the next clause starts at. */
  private captured = 0;

  constructor(
    opts: ReplyOptions,
    private readonly sink: ReplySink,
  ) {
    this.id = opts.id;
    this.streamId = opts.streamId;
    this.inReplyTo = opts.inReplyTo;
    this.spoken = opts.spoken;
    this.committedAt = opts.committedAt;
    this.metrics = opts.metrics;
    this.endOfTurn = opts.endOfTurn;
    this.abort = opts.abort ?? new AbortController();
    const { codec, sampleRate, opusBitrate, leadMs } = opts.output;
    this.sampleRate = sampleRate;
    this.framer = Framer.int16((sampleRate * OUTPUT_FRAME_MS) / 1000);
    this.encoder = new FrameEncoder(codec, FrameKind.OutputAudio, opts.streamId, sampleRate, opusBitrate);
    this.pacer = new OutputPacer(
      (bytes, first) => {
        if (first) {
          sink.send({ type: "response.audio.started", responseId: this.id, streamId: this.streamId, format: { codec, sampleRate } });
          this.metrics.firstAudioSentMs = Date.now() - this.committedAt;
          opts.onFirstAudio(this);
        }
        sink.sendBinary(bytes);
      },
      sampleRate,
      leadMs,
      () => sink.backlog(),
    );
  }

  get status(): ReplyStatus {
    return this.state;
  }

  get running(): boolean {
    return this.state === "running";
  }

  // ------------------------------------------------------------------ audio output

  /** Reply audio at the output rate: framed, encoded and queued for pacing. */
  capture(audio: Float32Array): void {
    this.captured += audio.length;
    for (const f of this.framer.push(floatToInt16(audio))) this.sendFrame(f, false);
  }

  /** Samples captured so far: where the next clause begins. */
  get position(): number {
    return this.captured;
  }

  /** A clause is spoken in full: it covers the audio from `start` to what is captured now. */
  spoke(text: string, start: number): void {
    this.segments.push({ text, start, end: this.captured });
    if (this.captured > start) {
      this.sink.send({ type: "response.caption", responseId: this.id, text, startSample: start, endSample: this.captured });
    }
  }

  /** The last samples (a resampler's tail) belong to the last clause. */
  captureTail(audio: Float32Array): void {
    if (!audio.length) return;
    this.capture(audio);
    const last = this.segments.at(-1);
    if (last) last.end = this.captured;
  }

  /** All audio captured: the last frame goes out; resolves once paced out (or stopped). */
  async flush(): Promise<void> {
    this.sendFrame(this.framer.flush() ?? new Int16Array(0), true);
    this.pacer.end();
    await this.pacer.done;
  }

  get samplesSent(): number {
    return this.pacer.samplesSent;
  }

  /** When the first frame went out (ms epoch; 0 before). */
  get firstSentAt(): number {
    return this.pacer.firstSentAt;
  }

  /** When the client will have played all that was sent (ms epoch). */
  get playbackEndsAt(): number {
    return this.pacer.playbackEndsAt;
  }

  /** Samples a vanished client can have played: real time since the first frame (less pauses), at most what was sent. */
  playedEstimate(now = Date.now()): number {
    const since = this.pacer.playingSince(now);
    if (!since) return 0;
    return Math.floor(Math.max(0, Math.min(this.pacer.samplesSent, ((now - since) * this.sampleRate) / 1000)));
  }

  /** A sound during the reply is being judged: nothing more is sent and the client pauses. */
  hold(): void {
    this.pacer.hold();
  }

  /** The sound was not a barge-in: the reply goes on. Returns the ms it was held. */
  release(): number {
    return this.pacer.release();
  }

  /** The user heard more than `ms` of it: by the client's word, or by how long ago it began at `at`. */
  heardMoreThan(ms: number, at: number): boolean {
    return (this.playedSamples ?? 0) * 1000 > ms * this.sampleRate || (this.firstSentAt > 0 && at - this.firstSentAt > ms);
  }

  // ------------------------------------------------------------------ status changes

  /** A running reply stops: its engines abort, unsent audio is dropped, the status says why. */
  stop(status: "interrupted" | "cancelled" | "failed"): void {
    if (this.state !== "running") return;
    this.abort.abort();
    this.pacer.stop();
    this.state = status;
  }

  /** Generated and sent in full. False if it was stopped meanwhile. */
  complete(): boolean {
    if (this.state !== "running") return false;
    this.state = "completed";
    this.text = this.text.trim();
    return true;
  }

  /** Sent in full but still playing when the user cut in (or dropped): it ends as interrupted. */
  interruptAfterSent(): boolean {
    if (this.state !== "completed") return false;
    this.state = "interrupted";
    return true;
  }

  /** Sent in full, not yet heard, and the speaker's sentence went on: it is taken back. */
  takeBack(): boolean {
    if (this.state !== "completed") return false;
    this.state = "cancelled";
    return true;
  }

  /** What the user heard of it after `played` samples; remembered for the stored turn. */
  cutAt(played: number): string {
    this.playedSamples = played;
    return heardText(this.segments, played);
  }

  /** ms the user heard, when known. */
  get playedMs(): number | undefined {
    return this.playedSamples === null ? undefined : Math.round((this.playedSamples / this.sampleRate) * 1000);
  }

  private sendFrame(samples: Int16Array, last: boolean): void {
    const bytes = this.encoder.encode(samples, last);
    this.sink.counted(bytes.byteLength, this.encoder.codec);
    this.pacer.enqueue(bytes, samples.length);
  }
}
