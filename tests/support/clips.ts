/** Clips made in code: reference clips for tests whose engines are doubles, and non-speech sounds. */
import { writeWav } from "@fireside/audio";

/** Four seconds of a voiced tone as a 16 kHz WAV: a reference clip the checks accept. */
export function voicedToneClip(): Uint8Array {
  const samples = new Float32Array(4 * 16000);
  for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 180 * i) / 16000) * (0.6 + 0.4 * Math.sin(i / 900));
  return writeWav(samples, 16000);
}

/** A deterministic noise source, so every run hears the same cough. */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 2 - 1;
  };
}

/** A cough at 16 kHz: a burst of noise, quick attack, ~250 ms decay. */
export function cough(seed: number): Float32Array {
  const n = noise(seed);
  const out = new Float32Array(16000 * 0.35);
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * n() * Math.min(1, i / 160) * Math.exp(-i / (16000 * 0.08));
  return out;
}
