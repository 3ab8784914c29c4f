/**
 * Reply playback: resamples the pod's 24 kHz audio to the output device's rate and feeds the
 * playout worklet. The worklet, not the server, knows what the user heard; `clear()` returns it.
 */
import { int16ToFloat, Resampler } from "@fireside/audio";
import type { PlayoutCommand, PlayoutEvent } from "./playout-worklet";
import workletUrl from "./playout-worklet.ts?worker&url";

/** The worklet's stats, with played/buffered converted to samples at the reply's own rate. */
export type PlayerStats = Omit<Extract<PlayoutEvent, { type: "stats" }>, "type">;

export class Player {
  private resampler: Resampler | null = null;
  private streamRate = 24000;
  private clearId = 0;
  private clearWaiters = new Map<number, (played: number) => void>();

  private constructor(
    readonly ctx: AudioContext,
    private readonly node: AudioWorkletNode,
    onStats: (s: PlayerStats) => void,
    onFinished: (played: number) => void,
  ) {
    node.port.onmessage = (ev) => {
      const m = ev.data as PlayoutEvent;
      const toStream = (n: number) => Math.round((n * this.streamRate) / this.ctx.sampleRate);
      if (m.type === "cleared") {
        this.clearWaiters.get(m.id)?.(toStream(m.played));
        this.clearWaiters.delete(m.id);
      } else if (m.type === "finished") {
        onFinished(toStream(m.played));
      } else {
        const { type: _, ...stats } = m;
        onStats({ ...stats, played: toStream(m.played), buffered: toStream(m.buffered) });
      }
    };
  }

  static async create(
    leadMs: number,
    onStats: (s: PlayerStats) => void,
    onFinished: (played: number) => void,
    sinkId?: string,
  ): Promise<Player> {
    const ctx = new AudioContext({ latencyHint: "interactive" });
    await ctx.audioWorklet.addModule(workletUrl);
    const node = new AudioWorkletNode(ctx, "fireside-playout", {
      numberOfInputs: 0,
      outputChannelCount: [2],
      processorOptions: { leadMs },
    });
    node.connect(ctx.destination);
    const sink = ctx as AudioContext & { setSinkId?: (id: string) => Promise<void> };
    if (sinkId && sink.setSinkId) await sink.setSinkId(sinkId).catch(() => {});
    return new Player(ctx, node, onStats, onFinished);
  }

  private post(c: PlayoutCommand, transfer: Transferable[] = []): void {
    this.node.port.postMessage(c, transfer);
  }

  /** A new reply starts at `rate`. */
  begin(rate: number): void {
    this.streamRate = rate;
    this.resampler = rate === this.ctx.sampleRate ? null : new Resampler(rate, this.ctx.sampleRate);
    this.post({ type: "reset" });
    void this.ctx.resume();
  }

  push(samples: Int16Array, last: boolean): void {
    const f = int16ToFloat(samples);
    let out = this.resampler ? this.resampler.process(f) : f;
    if (last && this.resampler) {
      const tail = this.resampler.flush();
      const both = new Float32Array(out.length + tail.length);
      both.set(out);
      both.set(tail, out.length);
      out = both;
    }
    this.post({ type: "push", samples: out }, [out.buffer]);
    if (last) this.post({ type: "end" });
  }

  /** Holds playback (a possible barge-in) without dropping anything. */
  pause(): void {
    this.post({ type: "pause" });
  }

  resume(): void {
    this.post({ type: "resume" });
  }

  /** Stops at once; resolves with the samples of this reply the user heard (at its rate). */
  clear(): Promise<number> {
    const id = ++this.clearId;
    return new Promise((resolve) => {
      this.clearWaiters.set(id, resolve);
      this.post({ type: "clear", id });
    });
  }

  async close(): Promise<void> {
    await this.ctx.close();
  }
}
