/**
 * Worker thread for the GE2E speaker encoder: a 10 s clip is ~2 s of arithmetic on one CPU core,
 * which must not stall the event loop that streams every session's audio.
 */
import { readFileSync } from "node:fs";
import { workerData } from "node:worker_threads";
import type { SpeakerEmbedding } from "../types.js";
import { serveWorkerRpc } from "../worker-rpc.js";
import { embedUtterance, loadGe2eWeights } from "./ge2e-model.js";

await serveWorkerRpc<Float32Array, SpeakerEmbedding, ReturnType<typeof loadGe2eWeights>, undefined>(
  () => ({ state: loadGe2eWeights(readFileSync((workerData as { modelPath: string }).modelPath)), info: undefined }),
  (weights, audio) => embedUtterance(weights, audio),
);
