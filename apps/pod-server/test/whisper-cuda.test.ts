import { describe, expect, it } from "vitest";
import { createWhisperCppCuda } from "../src/engines/asr/whisper-cpp-cuda.js";
import { EngineError } from "../src/engines/types.js";

describe("Whisper CUDA engine", () => {
  it("says where the CUDA build is expected when it is missing (CPU machines, CI)", async () => {
    const p = createWhisperCppCuda({
      modelPath: "/nonexistent.bin",
      modelName: "whisper-large-v3-turbo",
      modulesDir: "/nonexistent/node_modules",
    });
    await expect(p).rejects.toBeInstanceOf(EngineError);
    await expect(p).rejects.toThrow(/CUDA build not found in \/nonexistent\/node_modules.*runpod\/Dockerfile/);
  });
});
