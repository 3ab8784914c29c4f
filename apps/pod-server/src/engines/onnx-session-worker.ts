/**
 * Worker thread for an onnxruntime session. onnxruntime-node's `run` is synchronous underneath its
 * promise (the calling thread computes, and waits for its intra-op threads), so run on the event
 * loop it stalls every session's frames, pings and barge-ins for as long as a model runs.
 */
import { workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import type { OnnxSessionSpec, OnnxTensor } from "./onnx-session.js";
import { serveWorkerRpc } from "./worker-rpc.js";

const spec = workerData as OnnxSessionSpec;

await serveWorkerRpc<Record<string, OnnxTensor>, Record<string, OnnxTensor>, ort.InferenceSession, undefined>(
  async () => ({
    state: await ort.InferenceSession.create(spec.modelPath, {
      executionProviders: ["cpu"],
      intraOpNumThreads: spec.threads,
      interOpNumThreads: 1,
    }),
    info: undefined,
  }),
  async (session, feeds) => {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type as "float32", t.data as Float32Array, t.dims);
    const out = await session.run(tensors);
    return Object.fromEntries(
      Object.entries(out).map(([name, t]) => [name, { type: t.type, data: t.data as OnnxTensor["data"], dims: t.dims }]),
    );
  },
  // onnxruntime copies each output into a fresh buffer, so it can move to the owner.
  (out) => Object.values(out).map((t) => t.data.buffer as ArrayBuffer),
);
