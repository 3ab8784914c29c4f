/**
 * Whisper through whisper.cpp (@napi-rs/whisper), run in a worker thread. The same ggml models
 * run on the pod's GPU build; only the device changes.
 */
import { Worker } from "node:worker_threads";
import { type AsrEngine, EngineError, type Transcript } from "../types.js";
import type { AsrReply, AsrRequest } from "./whisper-cpp-worker.js";

export interface WhisperCppOptions {
  modelPath: string;
  modelName: string;
  threads: number;
  /** Re-transcribe growing audio for partial transcripts (costly on small CPUs). */
  partials: boolean;
  /** Shrink the encoder context to the utterance length (faster on CPU, slightly less accurate). */
  fitContext: boolean;
}

/** Starts a worker; a TypeScript entry (running under tsx) first registers tsx's loader in the worker. */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData });
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export async function createWhisperCpp(opts: WhisperCppOptions): Promise<AsrEngine> {
  const worker = startWorker(new URL(`./whisper-cpp-worker.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url), {
    modelPath: opts.modelPath,
    threads: opts.threads,
    fitContext: opts.fitContext,
  });
  const pending = new Map<number, { resolve: (t: Transcript) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | null = null;
  worker.on("message", (reply: AsrReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ("error" in reply) p.reject(new EngineError("asr", reply.error));
    else p.resolve({ text: reply.text, language: reply.language });
  });
  const fail = (err: Error) => {
    dead = err;
    for (const p of pending.values()) p.reject(new EngineError("asr", `whisper worker stopped: ${err.message}`));
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
  // Warm-up: loads the model and proves the worker runs before the server reports ready.
  const warm = await new Promise<Transcript>((resolve, reject) => {
    pending.set(nextId, { resolve, reject });
    worker.postMessage({ id: nextId++, audio: new Float32Array(16000), language: "en" } satisfies AsrRequest);
  });
  void warm;
  return {
    info: { name: "whisper-cpp", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    supportsPartials: opts.partials,
    transcribe(audio, { language, signal }) {
      if (dead) return Promise.reject(new EngineError("asr", `whisper worker stopped: ${(dead as Error).message}`));
      return new Promise<Transcript>((resolve, reject) => {
        const id = nextId++;
        // whisper.cpp cannot stop mid-utterance; a cancelled request's result is dropped.
        signal?.addEventListener("abort", () => {
          if (pending.delete(id)) reject(signal.reason ?? new Error("aborted"));
        });
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, audio, ...(language ? { language } : {}) } satisfies AsrRequest);
      });
    },
    async close() {
      worker.removeAllListeners("exit");
      await worker.terminate();
    },
  };
}
