/** Reference clips made in code, for tests whose engines are doubles (no speaker encoder, no VAD). */
import { writeWav } from "@fireside/audio";

/** Four seconds of a voiced tone as a 16 kHz WAV: a reference clip the checks accept. */
export function voicedToneClip(): Uint8Array {
  const samples = new Float32Array(4 * 16000);
  for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 180 * i) / 16000) * (0.6 + 0.4 * Math.sin(i / 900));
  return writeWav(samples, 16000);
}
