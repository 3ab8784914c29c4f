/**
 * The GE2E speaker encoder on real speech (shared/audio: four people): it must tell the same
 * person from different people, find clips that hold two voices, and score a clone's likeness.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatFloat32, readWav } from "@fireside/audio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGe2eEncoder } from "../src/engines/speaker/ge2e.js";
import { cosineSimilarity } from "../src/engines/speaker/ge2e-model.js";
import { CheckpointFormatError, readLegacyCheckpoint } from "../src/engines/speaker/torch-legacy-checkpoint.js";
import { EngineError, type Engines, type SpeakerEncoder } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";
import { countVoices } from "../src/studio/speaker-count.js";
import { assessVoice } from "../src/studio/voice-quality.js";

const model = join(defaultModelsDir(), "resemblyzer-ge2e", "pretrained.pt");
const sharedAudio = new URL("../../../../shared/audio/", import.meta.url).pathname;
const PEOPLE = ["en_S1", "en_S2", "zh_S1", "zh_S2"] as const;

function load16k(name: string): Float32Array {
  const out = join(mkdtempSync(join(tmpdir(), "spk-")), `${name}.wav`);
  execFileSync("sox", [join(sharedAudio, `${name}.flac`), "-r", "16000", "-c", "1", "-b", "16", out]);
  return readWav(readFileSync(out)).samples;
}
const halves = (a: Float32Array) => [a.subarray(0, a.length >> 1), a.subarray(a.length >> 1)] as const;

describe("legacy PyTorch checkpoint reader", () => {
  it.skipIf(!existsSync(model))("reads the encoder's tensors with their shapes", () => {
    const t = readLegacyCheckpoint(readFileSync(model));
    expect(t.get("model_state.lstm.weight_ih_l0")?.shape).toEqual([1024, 40]);
    expect(t.get("model_state.lstm.weight_hh_l2")?.shape).toEqual([1024, 256]);
    expect(t.get("model_state.linear.bias")?.data.length).toBe(256);
  });

  it.skipIf(!existsSync(model))("refuses a truncated file and a file of another kind with a typed error", () => {
    const bytes = readFileSync(model);
    expect(() => readLegacyCheckpoint(bytes.subarray(0, bytes.length - 1000))).toThrow(CheckpointFormatError);
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    writeFileSync(join(dir, "x.pt"), "PK\u0003\u0004 a zip, not a legacy pickle");
    expect(() => readLegacyCheckpoint(readFileSync(join(dir, "x.pt")))).toThrow(CheckpointFormatError);
  });
});

describe("GE2E speaker encoder engine", () => {
  it("fails to start with a typed error naming a model file it cannot load", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ge2e-"));
    writeFileSync(join(dir, "broken.pt"), "not a checkpoint");
    for (const modelPath of ["/nonexistent/pretrained.pt", join(dir, "broken.pt")]) {
      const err = await createGe2eEncoder({ modelPath, modelName: "x" }).catch((e) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect(err.message).toContain(`speaker encoder failed to load ${modelPath}`);
    }
  });
});

// Without ../shared/audio (a fresh clone) these skip; under CI, which has it, they must run.
describe.skipIf(!existsSync(model) || (!existsSync(sharedAudio) && !process.env.CI))(
  "GE2E speaker encoder on real speech",
  { timeout: 60_000 },
  () => {
    let encoder: SpeakerEncoder;
    const clips = new Map<string, Float32Array>();
    beforeAll(async () => {
      encoder = await createGe2eEncoder({ modelPath: model, modelName: "resemblyzer-ge2e" });
      for (const p of PEOPLE) clips.set(p, load16k(p));
    });
    afterAll(async () => {
      await encoder?.close();
    });

    it("scores two halves of one person's clip above every pair of different people", async () => {
      const emb = new Map<string, Float32Array[]>();
      for (const p of PEOPLE) {
        const [a, b] = halves(clips.get(p)!);
        emb.set(p, [(await encoder.embed(a)).embedding, (await encoder.embed(b)).embedding]);
      }
      let worstSame = 1;
      let bestOther = -1;
      for (const p of PEOPLE) {
        worstSame = Math.min(worstSame, cosineSimilarity(emb.get(p)![0]!, emb.get(p)![1]!));
        for (const q of PEOPLE) if (q !== p) bestOther = Math.max(bestOther, cosineSimilarity(emb.get(p)![0]!, emb.get(q)![1]!));
      }
      expect(worstSame).toBeGreaterThan(0.75);
      expect(bestOther).toBeLessThan(0.75);
      expect(worstSame).toBeGreaterThan(bestOther + 0.05);
    });

    it("hears one voice in each person's clip and two in clips joining two people", async () => {
      for (const p of PEOPLE) {
        const { partials } = await encoder.embed(clips.get(p)!);
        expect(countVoices(partials), p).toMatchObject({ voices: 1 });
      }
      for (const [a, b] of [
        ["en_S1", "en_S2"],
        ["zh_S1", "zh_S2"],
      ] as const) {
        const joined = concatFloat32([clips.get(a)!.subarray(0, 5 * 16000), clips.get(b)!.subarray(0, 5 * 16000)]);
        const { partials } = await encoder.embed(joined);
        const count = countVoices(partials);
        expect(count, `${a}+${b}`).toMatchObject({ voices: 2 });
        expect(count.betweenSimilarity!).toBeLessThan(0.6);
      }
    });

    it("rates a clone that sounds like the reference person good, and one in another voice poor", async () => {
      // TEST DOUBLES for the cloning TTS (it replays a recording) and the ASR (it hears the sentence
      // perfectly), so only the likeness decides the verdict.
      const engines = (clone: Float32Array): Engines =>
        ({
          tts: {
            info: { name: "replay-double", model: "recording", device: "cpu" },
            sampleRate: 16000,
            voices: [],
            registerVoice: async () => {},
            async *synthesize() {
              yield clone;
            },
          },
          asr: {
            transcribe: async () => ({
              text: "The sun was setting over the quiet harbour as the fishing boats came home.",
              language: "en",
            }),
          },
          speaker: encoder,
        }) as unknown as Engines;
      const [reference, sameLater] = halves(clips.get("en_S1")!);
      const same = await assessVoice("v", "en", reference, engines(sameLater));
      expect(same).toMatchObject({ wer: 0, verdict: "good" });
      expect(same.similarity!).toBeGreaterThan(0.75);
      const other = await assessVoice("v", "en", reference, engines(clips.get("zh_S1")!));
      expect(other.similarity!).toBeLessThan(0.6);
      expect(other.verdict).toBe("poor");
    });
  },
);
