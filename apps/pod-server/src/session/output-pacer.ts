/**
 * Sends reply audio no more than `leadMs` ahead of real time. The client's jitter buffer needs
 * a little lead; more would only be audio that a barge-in has to throw away.
 */

export class OutputPacer {
  private queue: { bytes: Uint8Array; samples: number }[] = [];
  private ended = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private startedAt = 0;
  /** While a sound during the reply is judged, nothing is sent and the client pauses (ms epoch; 0: not held). */
  private heldAt = 0;
  samplesSent = 0;
  readonly done: Promise<void>;

  constructor(
    private readonly send: (bytes: Uint8Array, isFirst: boolean) => void,
    private readonly sampleRate: number,
    private readonly leadMs: number,
    /** Bytes the socket has not flushed yet; a slow client pauses sending instead of queueing. */
    private readonly backlog: () => number,
  ) {
    this.done = this.run();
  }

  enqueue(bytes: Uint8Array, samples: number): void {
    if (this.stopped) return;
    this.queue.push({ bytes, samples });
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  /** Barge-in: drop everything not yet sent. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.poke();
  }

  /** Holds the audio not yet sent (the client pauses playback too) until `release`. */
  hold(): void {
    if (!this.heldAt) this.heldAt = Date.now();
  }

  /** Goes on from where it was held; the client's playback resumed with it. Returns the ms held. */
  release(): number {
    if (!this.heldAt) return 0;
    const held = Date.now() - this.heldAt;
    if (this.startedAt) this.startedAt += held;
    this.heldAt = 0;
    this.poke();
    return held;
  }

  /** When the client will have played everything sent so far (ms epoch), if it started. */
  get playbackEndsAt(): number {
    return this.startedAt ? this.playingSince() + (this.samplesSent / this.sampleRate) * 1000 : 0;
  }

  get firstSentAt(): number {
    return this.startedAt;
  }

  /**
   * When playback would have begun had it never paused (ms epoch; 0 before the first frame): real
   * time since then, less a pause still going on, is what the client has played.
   */
  playingSince(now = Date.now()): number {
    if (!this.startedAt) return 0;
    return this.startedAt + (this.heldAt ? now - this.heldAt : 0);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const next = this.queue[0];
      if (!next || this.heldAt) {
        if (!next && this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if (this.startedAt) {
        const aheadMs = (this.samplesSent / this.sampleRate) * 1000 - (Date.now() - this.startedAt);
        if (aheadMs > this.leadMs) {
          await this.sleep(aheadMs - this.leadMs);
          continue;
        }
        if (this.backlog() > 256 * 1024) {
          await this.sleep(10);
          continue;
        }
      }
      this.queue.shift();
      const first = this.startedAt === 0;
      if (first) this.startedAt = Date.now();
      this.samplesSent += next.samples;
      this.send(next.bytes, first);
    }
  }
}
