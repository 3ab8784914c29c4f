import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import { describe, expect, it } from "vitest";
import { createWhisperCpp } from "../src/engines/asr/whisper-cpp.js";
import { EngineError } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

const model = join(defaultModelsDir(), "whisper-tiny.en", "ggml-tiny.en.bin");

describe.skipIf(!existsSync(model))("whisper.cpp engine (tiny.en from the model cache; `pnpm models` fetches it)", () => {
  it("transcribes, and replaces a dead worker thread so later turns work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "asr-"));
    execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "a.wav"), "Turn on the kitchen lights."]);
    execFileSync("sox", [join(dir, "a.wav"), "-r", "16000", join(dir, "b.wav")]);
    const audio = readWav(readFileSync(join(dir, "b.wav"))).samples;
    const asr = await createWhisperCpp({ modelPath: model, modelName: "whisper-tiny.en", threads: 2, partials: false, fitContext: true });
    try {
      expect((await asr.transcribe(audio, {})).text.toLowerCase()).toMatch(/kitchen/);
      const inFlight = asr.transcribe(audio, {});
      asr.crashForTest();
      await expect(inFlight).rejects.toBeInstanceOf(EngineError);
      expect(asr.restarts()).toBe(1);
      expect((await asr.transcribe(audio, {})).text.toLowerCase()).toMatch(/kitchen/);
    } finally {
      await asr.close();
    }
  });
});
