/**
 * The end-of-turn model: its features match the reference (pipecat's numpy Whisper features, values
 * recorded from it for a fixed test signal), and the model, run from the registry's file in its
 * worker thread, hears a person's mid-sentence pause as unfinished and a finished question as finished.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_AUDIO, skipWithoutSharedAudio, synthesize } from "../../../tests/support/speech.js";
import { createSmartTurn } from "../src/engines/turn/smart-turn.js";
import { N_FRAMES, smartTurnFeatures } from "../src/engines/turn/whisper-features.js";
import type { EndOfTurnModel } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

/** pipecat's compute_whisper_log_mel_features of the signal below, at [mel, frame], and its mean. */
const REFERENCE = {
  points: [
    [0, 0, -0.08673],
    [0, 799, 1.09909],
    [5, 700, 1.74914],
    [10, 650, 0.40494],
    [20, 799, 0.52237],
    [40, 750, 0.23736],
    [79, 799, -0.09833],
    [12, 600, 0.67915],
    [30, 640, -0.06971],
    [60, 790, -0.10238],
    [3, 400, -0.10238],
    [7, 720, 1.37835],
  ],
  mean: -0.0299,
};

describe("Smart Turn's features", () => {
  it("match the reference Whisper log-mel features of a 2 s test signal", () => {
    const x = Float32Array.from(
      { length: 32000 },
      (_, n) => 0.3 * Math.sin((2 * Math.PI * 220 * n) / 16000) * (n / 32000) + 0.05 * Math.sin((2 * Math.PI * 1500 * n) / 16000),
    );
    const f = smartTurnFeatures(x);
    for (const [m, t, v] of REFERENCE.points) expect(f[m! * N_FRAMES + t!]).toBeCloseTo(v!, 4);
    expect(f.reduce((a, b) => a + b, 0) / f.length).toBeCloseTo(REFERENCE.mean, 4);
  });

  it("look only at the last 8 s", () => {
    const long = Float32Array.from({ length: 16000 * 12 }, (_, n) => Math.sin(n / (n < 16000 * 4 ? 3 : 7)) * 0.2);
    expect(smartTurnFeatures(long)).toEqual(smartTurnFeatures(long.subarray(16000 * 4)));
  });
});

const modelPath = join(defaultModelsDir(), "smart-turn-v3.2", "smart-turn-v3.2-cpu.onnx");

describe.skipIf(!existsSync(modelPath) && !process.env.CI)("Smart Turn v3.2 (the registry model, in its worker thread)", () => {
  let model: EndOfTurnModel;
  beforeAll(async () => {
    model = await createSmartTurn({ modelPath, modelName: "smart-turn-v3.2", threads: 1 });
  });
  afterAll(() => model?.close());

  it.skipIf(skipWithoutSharedAudio)("hears a person's mid-sentence pause as unfinished", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "turn-")), "en_S1.wav");
    execFileSync("sox", [join(SHARED_AUDIO, "en_S1.flac"), "-r", "16000", "-c", "1", "-b", "16", out]);
    const audio = readWav(readFileSync(out)).samples;
    // 128 ms into the pause at 5.02 s ("…" in the middle of a sentence).
    const verdict = await model.predict(audio.subarray(0, Math.round((5.02 + 0.128) * 16000)));
    expect(verdict.probability).toBeLessThan(0.5);
  });

  it("hears a finished question as finished, and a trailing filler as unfinished", async () => {
    // sox's dither from its fixed seed: the model hears the trailing noise floor, and with a fresh
    // dither each run this question scored anywhere from 0.49 to 0.92 (here 0.95, every run).
    const question = synthesize("What is the capital of France?", { rate: 16000, padAfter: 0.13, repeatable: true });
    expect((await model.predict(question)).probability).toBeGreaterThan(0.5);
    const filler = synthesize("I went to the shop and um", { rate: 16000, padAfter: 0.13, repeatable: true });
    expect((await model.predict(filler)).probability).toBeLessThan(0.5);
  });
});
