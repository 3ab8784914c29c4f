/** Cuts a stream of samples into fixed-size frames (20/30/32 ms, …), carrying the remainder over. */

export function frameSamples(sampleRate: number, frameMs: number): number {
  const n = (sampleRate * frameMs) / 1000;
  if (!Number.isInteger(n)) throw new RangeError(`${frameMs} ms at ${sampleRate} Hz is not a whole number of samples`);
  return n;
}

/** Frames are cut from one allocation of this many: an array buffer per 32 ms frame was a busy pod's hot spot. */
const SLAB_FRAMES = 16;

export class Framer<T extends Float32Array | Int16Array> {
  private slab: T;
  private used = 0;
  private pending: T;
  private fill = 0;
  constructor(
    readonly frameSize: number,
    private readonly make: (n: number) => T,
  ) {
    if (!(frameSize > 0)) throw new RangeError("frame size must be positive");
    this.slab = make(frameSize * SLAB_FRAMES);
    this.pending = this.fresh();
  }

  /** A zeroed frame nobody else holds (a frame handed out is never written again). */
  private fresh(): T {
    if (this.used === SLAB_FRAMES) {
      this.slab = this.make(this.frameSize * SLAB_FRAMES);
      this.used = 0;
    }
    const at = this.used++ * this.frameSize;
    return this.slab.subarray(at, at + this.frameSize) as T;
  }

  static float32(frameSize: number): Framer<Float32Array> {
    return new Framer(frameSize, (n) => new Float32Array(n));
  }

  static int16(frameSize: number): Framer<Int16Array> {
    return new Framer(frameSize, (n) => new Int16Array(n));
  }

  /** Returns the whole frames completed by `input`; a partial frame waits for more. */
  push(input: T): T[] {
    const frames: T[] = [];
    let i = 0;
    while (i < input.length) {
      const take = Math.min(this.frameSize - this.fill, input.length - i);
      this.pending.set(input.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === this.frameSize) {
        frames.push(this.pending);
        this.pending = this.fresh();
        this.fill = 0;
      }
    }
    return frames;
  }

  /** The buffered partial frame, zero-padded to full size, or null when nothing is buffered. */
  flush(): T | null {
    if (this.fill === 0) return null;
    const out = this.pending;
    this.pending = this.fresh();
    this.fill = 0;
    return out;
  }

  get buffered(): number {
    return this.fill;
  }
}
