/**
 * Whisper through whisper.cpp (@napi-rs/whisper), run in a worker thread. The same ggml models
 * run on the pod's GPU build; only the device changes.
 */
import type { Worker } from "node:worker_threads";
import { type AsrEngine, EngineError, type Transcript } from "../types.js";
import { siblingModule, startWorker } from "../worker-thread.js";
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

export async function createWhisperCpp(opts: WhisperCppOptions): Promise<AsrEngine & { restarts(): number; crashForTest(): void }> {
  const url = siblingModule("whisper-cpp-worker", import.meta.url);
  const pending = new Map<number, { resolve: (t: Transcript) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let restarts = 0;
  let closing = false;
  let worker: Worker;

  /** A dead worker fails what it held and is replaced, so later turns work again. */
  const spawnWorker = () => {
    const w = startWorker(url, { modelPath: opts.modelPath, threads: opts.threads, fitContext: opts.fitContext });
    w.on("message", (reply: AsrReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if ("error" in reply) p.reject(new EngineError("asr", reply.error));
      else p.resolve({ text: reply.text, language: reply.language });
    });
    const died = (why: string) => {
      if (w !== worker) return;
      for (const p of pending.values()) p.reject(new EngineError("asr", `whisper worker stopped (${why}); restarting`));
      pending.clear();
      if (closing) return;
      restarts++;
      worker = spawnWorker();
    };
    w.on("error", (err) => died(err.message));
    w.on("exit", (code) => died(`exit code ${code}`));
    return w;
  };
  worker = spawnWorker();

  const request = (audio: Float32Array, language?: string, signal?: AbortSignal) =>
    new Promise<Transcript>((resolve, reject) => {
      const id = nextId++;
      // whisper.cpp cannot stop mid-utterance; a cancelled request's result is dropped.
      signal?.addEventListener("abort", () => {
        if (pending.delete(id)) reject(signal.reason ?? new Error("aborted"));
      });
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, audio, ...(language ? { language } : {}) } satisfies AsrRequest);
    });
  // Warm-up: loads the model and proves the worker runs before the server reports ready.
  await request(new Float32Array(16000), "en");
  return {
    info: { name: "whisper-cpp", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    supportsPartials: opts.partials,
    transcribe: (audio, { language, signal }) => request(audio, language, signal),
    restarts: () => restarts,
    crashForTest: () => void worker.terminate(),
    async close() {
      closing = true;
      await worker.terminate();
    },
  };
}
