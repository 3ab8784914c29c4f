/** Opus codes whole frames of 2.5–60 ms: the frame that holds a block of samples, and the block padded to it with silence. */

const OPUS_FRAME_MS = [2.5, 5, 10, 20, 40, 60];

/** The smallest Opus frame (in samples at `rate`) that holds `n` samples. */
export function opusFrameSize(n: number, rate: number): number {
  for (const ms of OPUS_FRAME_MS) {
    const size = (rate * ms) / 1000;
    if (size >= n) return size;
  }
  throw new Error(`${n} samples is longer than the longest Opus frame (60 ms)`);
}

/** `samples` as a whole Opus frame: as it is when it is one, else padded with silence (a short last frame). */
export function padToOpusFrame(samples: Int16Array, rate: number): Int16Array {
  const size = opusFrameSize(samples.length, rate);
  if (samples.length === size) return samples;
  const out = new Int16Array(size);
  out.set(samples);
  return out;
}
