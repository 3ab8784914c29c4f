/**
 * Streaming band-limited resampler: Kaiser-windowed sinc, polyphase over the rational ratio
 * outRate/inRate = L/M. The low-pass sits just below the lower Nyquist frequency, so downsampling
 * does not alias (naive decimation does) and upsampling does not image.
 *
 * Latency is half the filter: `zeroCrossings / cutoff` input samples (1 ms at 48k→16k).
 */

import { concatFloat32 } from "./pcm.js";

export interface ResamplerOptions {
  /** Sinc zero crossings each side; more gives a sharper transition band. */
  zeroCrossings?: number;
  /** Kaiser window β; 8.6 gives about 80 dB stopband attenuation. */
  kaiserBeta?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. */
  rolloff?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly up: number; // L
  private readonly down: number; // M
  private readonly half: number; // taps each side of the centre, in input samples
  private readonly table: Float32Array[]; // one kernel per phase, 2*half taps each
  private buffer = new Float32Array(0);
  private bufferStart = 0; // absolute input index of buffer[0]
  private inputCount = 0; // absolute input samples received
  private nextOut = 0; // absolute index of the next output sample

  constructor(inRate: number, outRate: number, opts: ResamplerOptions = {}) {
    if (!(inRate > 0 && outRate > 0 && Number.isInteger(inRate) && Number.isInteger(outRate))) {
      throw new RangeError(`sample rates must be positive integers, got ${inRate} → ${outRate}`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const zc = opts.zeroCrossings ?? 16;
    const beta = opts.kaiserBeta ?? 8.6;
    const cutoff = Math.min(1, outRate / inRate) * (opts.rolloff ?? 0.94);
    this.half = Math.ceil(zc / cutoff);
    const i0Beta = besselI0(beta);
    this.table = [];
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up; // output time lies frac input samples past the base sample
      const k = new Float32Array(2 * this.half);
      let sum = 0;
      for (let j = 0; j < k.length; j++) {
        const x = j - this.half + 1 - frac; // distance from tap to output time, input samples
        const w = Math.abs(x) >= this.half ? 0 : besselI0(beta * Math.sqrt(1 - (x / this.half) ** 2)) / i0Beta;
        const arg = Math.PI * cutoff * x;
        const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
        k[j] = cutoff * sinc * w;
        sum += k[j]!;
      }
      for (let j = 0; j < k.length; j++) k[j]! /= sum; // unity DC gain for every phase
      this.table.push(k);
    }
  }

  /** Feeds input and returns every output sample that the input received so far determines. */
  process(input: Float32Array): Float32Array {
    if (this.up === this.down) return input.slice();
    const merged = new Float32Array(this.buffer.length + input.length);
    merged.set(this.buffer);
    merged.set(input, this.buffer.length);
    this.buffer = merged;
    this.inputCount += input.length;
    return this.drain(this.inputCount);
  }

  /** Emits the tail (treating what follows as silence) and resets the stream. */
  flush(): Float32Array {
    if (this.up === this.down) return new Float32Array(0);
    const end = Math.ceil((this.inputCount * this.up) / this.down);
    const tail = new Float32Array(this.half);
    const merged = new Float32Array(this.buffer.length + tail.length);
    merged.set(this.buffer);
    this.buffer = merged;
    const out = this.drain(this.inputCount + this.half, end);
    this.buffer = new Float32Array(0);
    this.bufferStart = this.inputCount = this.nextOut = 0;
    return out;
  }

  private drain(available: number, limit = Number.POSITIVE_INFINITY): Float32Array {
    const { up, down, half, buffer, bufferStart, table } = this;
    // Output n needs input up to floor(n·down/up) + half, which must be below `available`.
    const reachable = Math.floor(((available - half) * up - 1) / down) + 1;
    const end = Math.min(limit, Math.max(this.nextOut, reachable));
    const out = new Float32Array(end - this.nextOut);
    const taps = 2 * half;
    for (let o = 0; o < out.length; o++) {
      const num = (this.nextOut + o) * down;
      const base = Math.floor(num / up);
      const kernel = table[num % up]!;
      const offset = base - half + 1 - bufferStart; // buffer index of the kernel's first tap
      let acc = 0;
      // Taps before the buffer's start fall on the stream's leading silence.
      for (let j = offset < 0 ? -offset : 0; j < taps; j++) acc += buffer[offset + j]! * kernel[j]!;
      out[o] = acc;
    }
    this.nextOut = end;
    // Drop input no future output needs.
    const keepFrom = Math.floor((this.nextOut * down) / up) - half + 1;
    const drop = Math.max(0, Math.min(keepFrom - bufferStart, buffer.length));
    if (drop > 0) {
      this.buffer = buffer.subarray(drop);
      this.bufferStart += drop;
    }
    return out;
  }
}

/** One-shot convenience for whole clips. */
export function resample(input: Float32Array, inRate: number, outRate: number): Float32Array {
  if (inRate === outRate) return input.slice();
  const r = new Resampler(inRate, outRate);
  return concatFloat32([r.process(input), r.flush()]);
}
