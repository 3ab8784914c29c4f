/**
 * Several preset-voice engines behind one TtsEngine: the voice id picks the engine (the first one
 * serves requests without a voice). All must share a sample rate.
 */
import type { TtsEngine } from "../types.js";
import { defaultVoice } from "./default-voice.js";

export function combinePresetEngines(engines: TtsEngine[]): TtsEngine {
  const [primary] = engines;
  if (!primary) throw new Error("combinePresetEngines needs at least one engine");
  for (const e of engines) {
    if (e.sampleRate !== primary.sampleRate) throw new Error(`${e.info.name} runs at ${e.sampleRate} Hz, not ${primary.sampleRate} Hz`);
  }
  if (engines.length === 1) return primary;
  const voices = engines.flatMap((e) => e.voices);
  const owner = (voice = defaultVoice(voices)) => engines.find((e) => e.voices.some((v) => v.id === voice)) ?? primary;
  return {
    info: primary.info,
    sampleRate: primary.sampleRate,
    voices,
    synthesize: (text, opts) => owner(opts.voice).synthesize(text, opts),
    async close() {
      await Promise.all(engines.map((e) => e.close()));
    },
  };
}
