/** The Whisper CUDA engine's set-up. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("refuses to start when only the CPU build of the binding is installed (no silent CPU fallback)", async () => {
    // TEST DOUBLE of the binding package: present, but without its CUDA build beside it.
    const modules = join(mkdtempSync(join(tmpdir(), "gpu-modules-")), "node_modules");
    mkdirSync(join(modules, "@fugood/whisper.node"), { recursive: true });
    writeFileSync(join(modules, "@fugood/whisper.node/package.json"), JSON.stringify({ name: "@fugood/whisper.node", main: "index.js" }));
    writeFileSync(
      join(modules, "@fugood/whisper.node/index.js"),
      "exports.initWhisper = async () => { throw new Error('must not be called'); };",
    );
    await expect(createWhisperCppCuda({ modelPath: "/x.bin", modelName: "whisper-large-v3-turbo", modulesDir: modules })).rejects.toThrow(
      /node-whisper-linux-x64-cuda is not installed.*refusing to run Whisper on the CPU/,
    );
  });
});
