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
  let worker: Worker | null = null;

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
        if (w !== worker) return; // "error" and "exit" both report one death
        worker = null;
        for (const p of pending.values()) p.reject(new EngineError("speaker", `speaker encoder stopped (${why})`));
        pending.clear();
        if (!started) failed(new EngineError("speaker", `speaker encoder failed to load ${opts.modelPath}: ${why}`));
        else if (!closing) spawn().catch(() => {}); // a failed restart leaves worker null: later calls fail at once
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
        if (!worker) return reject(new EngineError("speaker", "speaker encoder is not running (it could not be restarted)"));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, audio } satisfies EmbedRequest);
      });
    },
    async close() {
      closing = true;
      await worker?.terminate();
    },
  };
}
