/**
 * The jitter buffer that feeds the speaker. It starts playing once `leadSamples` are buffered
 * (absorbing network and TTS jitter), plays silence on underrun and counts it, and reports how
 * many samples of the current stream were actually played — what barge-in tells the server.
 * Pure logic: an AudioWorklet calls `pull` per render quantum; tests call it with a fake clock.
 */

export interface PlayoutStats {
  /** Samples of the current stream handed to the output so far. */
  played: number;
  /** Samples waiting. */
  buffered: number;
  /** Times the queue ran dry mid-stream. */
  underruns: number;
  /** Audio is coming out now: started, and not yet drained at the stream's end. */
  playing: boolean;
}

export class PlayoutQueue {
  private chunks: Float32Array[] = [];
  private head = 0; // read offset into chunks[0]
  private bufferedCount = 0;
  private playedCount = 0;
  private underrunCount = 0;
  private started = false;
  private ended = false;
  /** Held where it is (the pod is judging a sound over the reply): silence out, nothing consumed. */
  private paused = false;

  constructor(private readonly leadSamples: number) {}

  /** Appends reply audio. */
  push(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.bufferedCount += samples.length;
  }

  /** No more audio will come for this stream: play out what is left even if below the lead. */
  end(): void {
    this.ended = true;
  }

  /** Holds playback where it is, keeping what is buffered (response.paused). */
  pause(): void {
    this.paused = true;
  }

  /** Plays on from where it paused (response.resumed). */
  resume(): void {
    this.paused = false;
  }

  /** Fills `out` with the next samples (silence before the lead is reached, on underrun and while paused). */
  pull(out: Float32Array): void {
    out.fill(0);
    if (this.paused) return;
    if (!this.started) {
      if (this.bufferedCount >= this.leadSamples || (this.ended && this.bufferedCount > 0)) this.started = true;
      else return;
    }
    let o = 0;
    while (o < out.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length - this.head, out.length - o);
      out.set(c.subarray(this.head, this.head + take), o);
      o += take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.bufferedCount -= o;
    this.playedCount += o;
    if (o < out.length && !this.ended) {
      this.underrunCount++;
      this.started = false; // rebuffer to the lead before resuming
    }
  }

  /** Stops at once (barge-in) and returns how many samples of the stream were played. */
  clear(): number {
    const played = this.playedCount;
    this.reset();
    return played;
  }

  /** Prepares for a new stream. */
  reset(): void {
    this.chunks = [];
    this.head = 0;
    this.bufferedCount = 0;
    this.playedCount = 0;
    this.started = false;
    this.ended = false;
    this.paused = false;
  }

  get stats(): PlayoutStats {
    return {
      played: this.playedCount,
      buffered: this.bufferedCount,
      underruns: this.underrunCount,
      playing: this.started && !this.drained && !this.paused,
    };
  }

  /** True once the stream has ended and every sample was played. */
  get drained(): boolean {
    return this.ended && this.bufferedCount === 0;
  }
}
