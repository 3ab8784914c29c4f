/**
 * A CPU pod's preset voices: Piper's plus espeak-ng's, behind one engine. Each speaker of a
 * dialogue can then sound like a different person, which the speaker encoder confirms.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { concatFloat32, resample, rms } from "@fireside/audio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGe2eEncoder } from "../src/engines/speaker/ge2e.js";
import { cosineSimilarity } from "../src/engines/speaker/ge2e-model.js";
import { createEspeakVoices, parseEspeakPresets } from "../src/engines/tts/espeak-voices.js";
import { createPiper } from "../src/engines/tts/piper.js";
import { combinePresetEngines } from "../src/engines/tts/preset-voices.js";
import type { SpeakerEncoder, TtsEngine } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

const piperModel = join(defaultModelsDir(), "piper-en_US-joe-medium", "en_US-joe-medium.onnx");
const encoderModel = join(defaultModelsDir(), "resemblyzer-ge2e", "pretrained.pt");

describe("espeak-ng preset list", () => {
  it("parses voice=Name pairs into presets and refuses a malformed entry", () => {
    expect(parseEspeakPresets("en-us+f3=Ada, en-gb+m3=Rupert")).toEqual([
      { id: "espeak-en-us-f3", name: "Ada (espeak-ng, robotic)", language: "en", espeakVoice: "en-us+f3" },
      { id: "espeak-en-gb-m3", name: "Rupert (espeak-ng, robotic)", language: "en", espeakVoice: "en-gb+m3" },
    ]);
    expect(parseEspeakPresets("")).toEqual([]);
    expect(() => parseEspeakPresets("en-us+f3")).toThrow(/not voice=Name/);
  });
});

describe.skipIf(!existsSync(piperModel) || !existsSync(encoderModel))(
  "Piper and espeak-ng presets behind one engine",
  { timeout: 60_000 },
  () => {
    let tts: TtsEngine;
    let encoder: SpeakerEncoder;
    beforeAll(async () => {
      const piper = await createPiper({ modelPath: piperModel, voiceId: "en_US-joe-medium", threads: 1 });
      tts = combinePresetEngines([
        piper,
        createEspeakVoices({ presets: parseEspeakPresets("en-us+f3=Ada,en-gb+m3=Rupert"), sampleRate: piper.sampleRate }),
      ]);
      encoder = await createGe2eEncoder({ modelPath: encoderModel, modelName: "resemblyzer-ge2e" });
    });
    afterAll(async () => {
      await tts?.close();
      await encoder?.close();
    });

    const say = async (voice: string | undefined) => {
      const chunks: Float32Array[] = [];
      const text = "The old lighthouse keeper climbed the spiral stairs every evening and lit the great lamp for the ships.";
      for await (const c of tts.synthesize(text, { signal: new AbortController().signal, ...(voice ? { voice } : {}) })) chunks.push(c);
      return concatFloat32(chunks);
    };

    it("lists Piper's voice first (the default), then the presets, and routes each id to its engine", async () => {
      expect(tts.voices.map((v) => v.id)).toEqual(["en_US-joe-medium", "espeak-en-us-f3", "espeak-en-gb-m3"]);
      expect(tts.sampleRate).toBe(22050);
      const voices = await Promise.all([say(undefined), say("espeak-en-us-f3"), say("espeak-en-gb-m3")]);
      for (const v of voices) {
        expect(v.length / 22050).toBeGreaterThan(3);
        expect(rms(v, 0, v.length)).toBeGreaterThan(0.02);
      }
      const [joe, ada, rupert] = await Promise.all(voices.map((v) => encoder.embed(resample(v, 22050, 16000))));
      // Three different-sounding speakers: well under the encoder's same-person score (≥ 0.75).
      expect(cosineSimilarity(joe!.embedding, ada!.embedding)).toBeLessThan(0.75);
      expect(cosineSimilarity(joe!.embedding, rupert!.embedding)).toBeLessThan(0.75);
      expect(cosineSimilarity(ada!.embedding, rupert!.embedding)).toBeLessThan(0.75);
    });
  },
);
