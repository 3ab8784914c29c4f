/** Level meters for UI and tests. */

export function rms(samples: Float32Array, start = 0, end = samples.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / (end - start));
}

export function peak(samples: Float32Array, start = 0, end = samples.length): number {
  let p = 0;
  for (let i = start; i < end; i++) p = Math.max(p, Math.abs(samples[i]!));
  return p;
}

/** Level in dB relative to full scale; silence is -Infinity. */
export const toDbfs = (level: number): number => 20 * Math.log10(level);
