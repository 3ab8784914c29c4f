/**
 * Worker thread of the end-of-turn model: the features (a few tens of ms of arithmetic) and the
 * inference both stay off the event loop, where every session's frames are paced.
 */
import { workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { serveWorkerRpc } from "../worker-rpc.js";
import type { SmartTurnSpec } from "./smart-turn.js";
import { N_FRAMES, N_MELS, smartTurnFeatures } from "./whisper-features.js";

const spec = workerData as SmartTurnSpec;

await serveWorkerRpc<Float32Array, { probability: number; ms: number }, ort.InferenceSession, undefined>(
  async () => ({
    state: await ort.InferenceSession.create(spec.modelPath, {
      executionProviders: ["cpu"],
      intraOpNumThreads: spec.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    }),
    info: undefined,
  }),
  async (session, audio) => {
    const t0 = performance.now();
    const features = new ort.Tensor("float32", smartTurnFeatures(audio), [1, N_MELS, N_FRAMES]);
    const out = await session.run({ [session.inputNames[0]!]: features });
    // The exported model ends in a sigmoid: its one output is the probability itself.
    const probability = (out[session.outputNames[0]!]!.data as Float32Array)[0]!;
    return { probability, ms: performance.now() - t0 };
  },
);
