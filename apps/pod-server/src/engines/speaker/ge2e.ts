/**
 * The GE2E speaker encoder engine (Resemblyzer's pretrained weights), run in a worker thread. It is
 * small enough to run on the CPU on every pod, GPU or not.
 */
import type { Worker } from "node:worker_threads";
import { EngineError, type SpeakerEmbedding, type SpeakerEncoder } from "../types.js";
import { siblingModule, startWorker } from "../worker-thread.js";
import type { EmbedReply, EmbedRequest } from "./ge2e-worker.js";

export async function createGe2eEncoder(opts: { modelPath: string; modelName: string }): Promise<SpeakerEncoder> {
  const pending = new Map<number, { resolve: (e: SpeakerEmbedding) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let closing = false;
  let worker: Worker;

  /** Resolves once the weights are loaded; a worker that dies fails its requests and is replaced. */
  const spawn = () =>
    new Promise<void>((ready, failed) => {
      const w = startWorker(siblingModule("ge2e-worker", import.meta.url), { modelPath: opts.modelPath });
      worker = w;
      let started = false;
      w.on("message", (msg: EmbedReply | { ready: true }) => {
        if ("ready" in msg) {
          started = true;
          ready();
          return;
        }
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if ("error" in msg) p.reject(new EngineError("speaker", msg.error));
        else p.resolve(msg.result);
      });
      const died = (why: string) => {
        if (!started) return failed(new EngineError("speaker", `speaker encoder failed to load ${opts.modelPath}: ${why}`));
        if (w !== worker) return;
        for (const p of pending.values()) p.reject(new EngineError("speaker", `speaker encoder stopped (${why}); restarting`));
        pending.clear();
        if (!closing) spawn().catch(() => {});
      };
      w.on("error", (err) => died(err.message));
      w.on("exit", (code) => died(`exit code ${code}`));
    });
  await spawn();

  return {
    info: { name: "ge2e", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    embed(audio) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, audio } satisfies EmbedRequest);
      });
    },
    async close() {
      closing = true;
      await worker.terminate();
    },
  };
}
