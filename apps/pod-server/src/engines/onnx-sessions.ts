/**
 * onnxruntime sessions that run in a worker thread (onnx-sessions-worker.ts): the event loop
 * sends the inputs and awaits the outputs, and never computes. One worker holds the sessions of
 * one engine (Moonshine's encoder and decoder together) and runs one request at a time.
 */
import "./onnx-binding.js";
import { EngineError } from "./types.js";
import { startWorkerRpc } from "./worker-rpc.js";
import { siblingModule } from "./worker-thread.js";

/** A tensor as it crosses to the worker: what `ort.Tensor` holds, as plain data. */
export interface OnnxTensor {
  type: string;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | boolean[];
  dims: readonly number[];
}

export interface OnnxSessionsSpec {
  /** Session name → model file. */
  models: Record<string, string>;
  threads: number;
  device?: "cpu" | "cuda";
}

export type OnnxWorkerInfo = Record<string, { inputNames: string[]; outputNames: string[] }>;
export interface OnnxRequest {
  model: string;
  feeds: Record<string, OnnxTensor>;
}

export interface OnnxSessions {
  inputNames(model: string): string[];
  /** Runs one session; inputs are copied to the worker (the caller may reuse them), outputs move here. */
  run(model: string, feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  close(): Promise<void>;
}

export async function openOnnxSessions(spec: OnnxSessionsSpec, stage: EngineError["stage"], what: string): Promise<OnnxSessions> {
  const rpc = await startWorkerRpc<OnnxRequest, Record<string, OnnxTensor>, OnnxWorkerInfo>({
    url: siblingModule("onnx-sessions-worker", import.meta.url),
    workerData: spec,
    stage,
    what,
    loads: Object.values(spec.models).join(", "),
  });
  return {
    inputNames(model) {
      const names = rpc.info[model]?.inputNames;
      if (!names) throw new EngineError(stage, `no model "${model}" in ${what}`);
      return names;
    },
    run: (model, feeds) => rpc.call({ model, feeds }),
    close: () => rpc.close(),
  };
}
