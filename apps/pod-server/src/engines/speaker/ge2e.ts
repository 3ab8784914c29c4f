/**
 * The GE2E speaker encoder engine (Resemblyzer's pretrained weights), run in a worker thread. It is
 * small enough to run on the CPU on every pod, GPU or not.
 */
import type { SpeakerEmbedding, SpeakerEncoder } from "../types.js";
import { startWorkerRpc } from "../worker-rpc.js";
import { siblingModule } from "../worker-thread.js";

export async function createGe2eEncoder(opts: { modelPath: string; modelName: string }): Promise<SpeakerEncoder> {
  const rpc = await startWorkerRpc<Float32Array, SpeakerEmbedding>({
    url: siblingModule("ge2e-worker", import.meta.url),
    workerData: { modelPath: opts.modelPath },
    stage: "speaker",
    what: "speaker encoder",
    loads: opts.modelPath,
  });
  return {
    info: { name: "ge2e", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    embed: (audio) => rpc.call(audio),
    close: () => rpc.close(),
  };
}
