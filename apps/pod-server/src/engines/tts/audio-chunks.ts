/**
 * Whole-clause synthesisers (Piper, espeak-ng) hand their audio on in 80 ms chunks, the shape of
 * FireRedTTS2's stream, so the pipeline treats every engine alike and can stop between chunks.
 */
export function* chunks80ms(audio: Float32Array, sampleRate: number, signal: AbortSignal): Generator<Float32Array> {
  const size = Math.round(sampleRate * 0.08);
  for (let i = 0; i < audio.length; i += size) {
    if (signal.aborted) return;
    yield audio.slice(i, i + size);
  }
}
