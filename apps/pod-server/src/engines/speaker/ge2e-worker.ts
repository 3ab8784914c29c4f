/**
 * Worker thread for the GE2E speaker encoder: a 10 s clip is ~2 s of arithmetic on one CPU core,
 * which must not stall the event loop that streams every session's audio.
 */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { SpeakerEmbedding } from "../types.js";
import { embedUtterance, loadGe2eWeights } from "./ge2e-model.js";

export interface EmbedRequest {
  id: number;
  audio: Float32Array;
}
export type EmbedReply = { id: number; result: SpeakerEmbedding } | { id: number; error: string };

const weights = loadGe2eWeights(readFileSync((workerData as { modelPath: string }).modelPath));
parentPort!.postMessage({ ready: true });
parentPort!.on("message", (req: EmbedRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, result: embedUtterance(weights, req.audio) } satisfies EmbedReply);
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message } satisfies EmbedReply);
  }
});
