/**
 * A reference clip checked in the app before it is uploaded: size, length and (for WAV) sample
 * rate, against the pod's own limits (REFERENCE_CLIP), so a wrong file is explained at once and
 * costs no upload. The pod checks again (level, clipping, one voice, speech).
 */
import { REFERENCE_CLIP } from "@fireside/protocol";

/** The pod's default upload limit (FIRESIDE_MAX_UPLOAD_BYTES); a pod set higher still answers for itself. */
const MAX_BYTES = 20 * 1024 * 1024;

/** The sample rate in a WAV header, or null for other formats. */
export function wavSampleRate(head: Uint8Array): number | null {
  const text = (a: number, b: number) => String.fromCharCode(...head.subarray(a, b));
  if (head.length < 28 || text(0, 4) !== "RIFF" || text(8, 12) !== "WAVE") return null;
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(24, true);
}

/** A sentence saying what is wrong with the clip, or null when it may be uploaded. */
export function clipProblem(clip: { name: string; size: number }, durationMs: number | null, sampleRate: number | null): string | null {
  if (clip.size > MAX_BYTES)
    return `${clip.name} is ${(clip.size / 1024 / 1024).toFixed(0)} MB: a reference clip must be under ${MAX_BYTES / 1024 / 1024} MB.`;
  if (durationMs === null) return `${clip.name} could not be decoded as audio: use a WAV, FLAC, Ogg or MP3 file.`;
  const s = (durationMs / 1000).toFixed(1);
  if (durationMs < REFERENCE_CLIP.minMs || durationMs > REFERENCE_CLIP.maxMs)
    return `${clip.name} is ${s} s long: a voice needs ${REFERENCE_CLIP.minMs / 1000} to ${REFERENCE_CLIP.maxMs / 1000} s of one person speaking.`;
  if (sampleRate !== null && sampleRate < REFERENCE_CLIP.minSampleRate)
    return `${clip.name} is recorded at ${sampleRate} Hz: a voice needs at least ${REFERENCE_CLIP.minSampleRate} Hz.`;
  return null;
}

/** Decodes the file in the browser and checks it. */
export async function checkClip(file: File): Promise<string | null> {
  if (file.size > MAX_BYTES) return clipProblem(file, 0, null);
  const bytes = new Uint8Array(await file.arrayBuffer());
  let durationMs: number | null = null;
  try {
    const ctx = new OfflineAudioContext(1, 1, 16000);
    durationMs = (await ctx.decodeAudioData(bytes.slice().buffer)).duration * 1000;
  } catch {
    durationMs = null;
  }
  return clipProblem(file, durationMs, wavSampleRate(bytes.subarray(0, 44)));
}
