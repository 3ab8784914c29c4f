/**
 * AudioWorklet: the jitter buffer in front of the speaker. Runs on the audio thread, pulls one
 * render quantum at a time from a PlayoutQueue, and reports played/buffered samples, underruns
 * and the output level to the main thread.
 */
import { PlayoutQueue, rms } from "@fireside/audio";

/** Main thread → worklet. */
export type PlayoutCommand =
  | { type: "push"; samples: Float32Array }
  | { type: "end" }
  | { type: "clear"; id: number }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "reset" };

/** Worklet → main thread; sample counts are at the AudioContext's rate. */
export type PlayoutEvent =
  | { type: "cleared"; id: number; played: number }
  /** The reply played to its end (once per stream): the contract barge-in needs. */
  | { type: "finished"; played: number }
  | { type: "stats"; played: number; buffered: number; underruns: number; playing: boolean; drained: boolean; level: number };

declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

class PlayoutProcessor extends AudioWorkletProcessor {
  private queue: PlayoutQueue;
  private paused = false;
  private quanta = 0;
  private level = 0;
  private finishedSent = false;

  constructor(options: { processorOptions: { leadMs: number } }) {
    super();
    this.queue = new PlayoutQueue(Math.round((options.processorOptions.leadMs * sampleRate) / 1000));
    this.port.onmessage = (ev: MessageEvent<PlayoutCommand>) => {
      const c = ev.data;
      if (c.type === "push") this.queue.push(c.samples);
      else if (c.type === "end") this.queue.end();
      else if (c.type === "clear") {
        const played = this.queue.clear();
        this.paused = false;
        this.finishedSent = true; // a cleared reply is interrupted, not finished
        this.port.postMessage({ type: "cleared", id: c.id, played } satisfies PlayoutEvent);
      } else if (c.type === "pause") this.paused = true;
      else if (c.type === "resume") this.paused = false;
      else if (c.type === "reset") {
        this.queue.reset();
        this.finishedSent = false;
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0];
    if (!out?.[0]) return true;
    const ch0 = out[0];
    if (this.paused) ch0.fill(0);
    else this.queue.pull(ch0);
    for (let c = 1; c < out.length; c++) out[c]!.set(ch0);
    this.level = Math.max(rms(ch0), this.level * 0.9);
    if (this.queue.drained && !this.finishedSent) {
      this.finishedSent = true;
      this.port.postMessage({ type: "finished", played: this.queue.stats.played } satisfies PlayoutEvent);
    }
    if (++this.quanta % 8 === 0) {
      this.port.postMessage({ type: "stats", ...this.queue.stats, level: this.level, drained: this.queue.drained } satisfies PlayoutEvent);
    }
    return true;
  }
}

registerProcessor("fireside-playout", PlayoutProcessor);
