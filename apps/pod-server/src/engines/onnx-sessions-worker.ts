/**
 * Worker thread for onnxruntime sessions. onnxruntime-node's `run` is synchronous underneath its
 * promise (the calling thread computes, and waits for its intra-op threads), so run on the event
 * loop it stalls every session's frames, pings and barge-ins for as long as a model runs.
 */
import { workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import type { OnnxRequest, OnnxSessionsSpec, OnnxTensor, OnnxWorkerInfo } from "./onnx-sessions.js";
import { serveWorkerRpc } from "./worker-rpc.js";

const spec = workerData as OnnxSessionsSpec;

const plain = (t: ort.Tensor): OnnxTensor => ({ type: t.type, data: t.data as OnnxTensor["data"], dims: t.dims });

await serveWorkerRpc<OnnxRequest, Record<string, OnnxTensor>, Map<string, ort.InferenceSession>, OnnxWorkerInfo>(
  async () => {
    const entries = await Promise.all(
      Object.entries(spec.models).map(async ([name, path]) => {
        const session = await ort.InferenceSession.create(path, {
          executionProviders: spec.device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
          intraOpNumThreads: spec.threads,
          interOpNumThreads: 1,
        });
        return [name, session] as const;
      }),
    );
    const sessions = new Map(entries);
    const info: OnnxWorkerInfo = {};
    for (const [name, s] of sessions) info[name] = { inputNames: [...s.inputNames], outputNames: [...s.outputNames] };
    return { state: sessions, info };
  },
  async (sessions, { model, feeds }) => {
    const session = sessions.get(model);
    if (!session) throw new Error(`no model "${model}" in this worker`);
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type as "float32", t.data as Float32Array, t.dims);
    const out = await session.run(tensors);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, plain(t)]));
  },
  // onnxruntime copies each output into a fresh buffer, so it can move to the owner.
  (out) => Object.values(out).map((t) => (t.data as { buffer: ArrayBuffer }).buffer),
);
