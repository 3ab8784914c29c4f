/** Level meters for UI and tests. */

/** Clamps a [start, end) range to whole indices inside the array (callers often pass times × rate). */
function span(length: number, start: number, end: number): [number, number] {
  return [Math.max(0, Math.floor(start)), Math.min(length, Math.floor(end))];
}

export function rms(samples: Float32Array, from = 0, to = samples.length): number {
  const [start, end] = span(samples.length, from, to);
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / (end - start));
}

export function peak(samples: Float32Array, from = 0, to = samples.length): number {
  const [start, end] = span(samples.length, from, to);
  let p = 0;
  for (let i = start; i < end; i++) p = Math.max(p, Math.abs(samples[i]!));
  return p;
}

/** Level in dB relative to full scale; silence is -Infinity. */
export const toDbfs = (level: number): number => 20 * Math.log10(level);
