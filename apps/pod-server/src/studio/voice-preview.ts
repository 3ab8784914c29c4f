/**
 * A short sample of a voice, for the ▶ next to it in the app: one sentence synthesised at studio
 * priority (live turns go first), kept in memory per voice so a second click costs nothing — per
 * version of a profile, so one edited through another pod of the fleet is not heard as it was.
 */
import { concatFloat32, writeWav } from "@fireside/audio";
import type { TtsEngine } from "../engines/types.js";

const SAMPLE: Record<string, string> = {
  en: "Hello! This is how I sound when I read to you.",
  zh: "你好！这就是我朗读时的声音。",
};
/** Voices whose sample is kept (a pod lists a few presets and profiles). */
const MAX_CACHED = 32;

export class VoicePreviews {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  /** The sample as a WAV file (`version`: a profile's updatedAt). The caller has checked that the engine can speak `voiceId`. */
  get(tts: TtsEngine, voiceId: string, language: string, version = ""): Promise<Uint8Array> {
    const key = `${tts.info.name}:${voiceId}@${version}`;
    let wav = this.cache.get(key);
    if (!wav) {
      wav = synthesise(tts, voiceId, SAMPLE[language.slice(0, 2)] ?? SAMPLE.en!);
      wav.catch(() => this.cache.delete(key)); // a failure is not remembered
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, wav);
    }
    return wav;
  }

  /** A changed or deleted voice sounds different now. */
  forget(voiceId: string): void {
    for (const key of this.cache.keys()) if (key.includes(`:${voiceId}@`)) this.cache.delete(key);
  }
}

async function synthesise(tts: TtsEngine, voiceId: string, text: string): Promise<Uint8Array> {
  const chunks: Float32Array[] = [];
  for await (const c of tts.synthesize(text, { voice: voiceId, signal: new AbortController().signal, priority: "studio" })) chunks.push(c);
  return writeWav(concatFloat32(chunks), tts.sampleRate);
}
