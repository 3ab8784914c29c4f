/**
 * An onnxruntime session that runs in a worker thread (onnx-session-worker.ts): the event loop
 * sends the inputs and awaits the outputs, and never computes. The worker runs one request at a
 * time.
 */
import "./onnx-binding.js";
import type { EngineError } from "./types.js";
import { startWorkerRpc } from "./worker-rpc.js";
import { siblingModule } from "./worker-thread.js";

/** A tensor as it crosses to the worker: what `ort.Tensor` holds, as plain data. */
export interface OnnxTensor {
  type: string;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  dims: readonly number[];
}

export interface OnnxSessionSpec {
  modelPath: string;
  threads: number;
}

export interface OnnxSession {
  /** Inputs are copied to the worker (the caller may reuse them); outputs move here. */
  run(feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  close(): Promise<void>;
}

export async function openOnnxSession(spec: OnnxSessionSpec, stage: EngineError["stage"], what: string): Promise<OnnxSession> {
  const rpc = await startWorkerRpc<Record<string, OnnxTensor>, Record<string, OnnxTensor>>({
    url: siblingModule("onnx-session-worker", import.meta.url),
    workerData: spec,
    stage,
    what,
    loads: spec.modelPath,
  });
  return { run: (feeds) => rpc.call(feeds), close: () => rpc.close() };
}
