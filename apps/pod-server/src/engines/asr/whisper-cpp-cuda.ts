/**
 * Whisper on the pod's GPU: whisper.cpp's CUDA build (@fugood/whisper.node + its linux-x64-cuda
 * binary), installed in the pod image outside the workspace (FIRESIDE_GPU_MODULES). Same ggml
 * models and the same AsrEngine contract as the CPU engine; only the runtime differs.
 * Not exercised in CI (no GPU there); see docs/performance.md for where it was last run.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { floatToInt16 } from "@fireside/audio";
import { type AsrEngine, EngineError } from "../types.js";
import { collapseRepeatedTail } from "./whisper-loops.js";

interface FugoodWhisper {
  initWhisper(
    opts: { filePath: string; useGpu: boolean; useFlashAttn?: boolean },
    variant: "cuda",
  ): Promise<{
    transcribeData(
      pcm16: ArrayBuffer,
      opts: { language?: string; maxThreads?: number; temperature?: number },
    ): { stop(): Promise<void>; promise: Promise<{ result: string; language?: string }> };
    release(): Promise<void>;
  }>;
}

export async function createWhisperCppCuda(opts: { modelPath: string; modelName: string; modulesDir: string }): Promise<AsrEngine> {
  let lib: FugoodWhisper;
  if (!opts.modulesDir) {
    throw new EngineError("asr", "FIRESIDE_GPU_MODULES is not set: whisper.cpp's CUDA build is installed there (see runpod/Dockerfile)");
  }
  const require = createRequire(join(opts.modulesDir, "noop.js"));
  // The binding quietly falls back to its CPU build when the CUDA one is missing; a GPU pod must not.
  const cudaBuild = `@fugood/node-whisper-${process.platform}-${process.arch}-cuda`;
  try {
    require.resolve(`${cudaBuild}/package.json`);
  } catch {
    throw new EngineError(
      "asr",
      `whisper.cpp CUDA build not found in ${opts.modulesDir}: ${cudaBuild} is not installed (see runpod/Dockerfile); refusing to run Whisper on the CPU while reporting CUDA`,
    );
  }
  try {
    lib = require("@fugood/whisper.node") as FugoodWhisper;
  } catch (err) {
    throw new EngineError(
      "asr",
      `whisper.cpp CUDA build not found in ${opts.modulesDir} (see runpod/Dockerfile): ${(err as Error).message}`,
    );
  }
  const ctx = await lib.initWhisper({ filePath: opts.modelPath, useGpu: true, useFlashAttn: true }, "cuda");
  // One decode at a time per context; queue the rest.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    info: { name: "whisper-cpp", model: opts.modelName, device: "cuda" },
    sampleRate: 16000,
    supportsPartials: true,
    transcribe(audio, { language, signal }) {
      const run = chain.then(async () => {
        if (signal?.aborted) throw signal.reason ?? new Error("aborted");
        const pcm = floatToInt16(audio);
        const job = ctx.transcribeData(pcm.buffer as ArrayBuffer, { language: language ?? "auto", maxThreads: 4, temperature: 0 });
        const onAbort = () => void job.stop();
        signal?.addEventListener("abort", onAbort, { once: true });
        try {
          const r = await job.promise;
          return { text: collapseRepeatedTail(r.result.trim(), audio.length / 16000), language: r.language ?? language ?? "und" };
        } catch (err) {
          throw new EngineError("asr", (err as Error).message);
        } finally {
          signal?.removeEventListener("abort", onAbort);
        }
      });
      chain = run.catch(() => {});
      return run;
    },
    close: () => ctx.release(),
  };
}
