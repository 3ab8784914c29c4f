/**
 * Smart Turn v3 (pipecat's end-of-turn model, BSD-2): a Whisper-encoder classifier on the last 8 s
 * of an utterance that says whether the speaker has finished, from the audio alone. The model
 * file ships in PyPI's pipecat-ai wheel (models/manifest.ts); it runs in a worker thread.
 */
import "../onnx-binding.js";
import type { EndOfTurnModel, EndOfTurnVerdict } from "../types.js";
import { startWorkerRpc } from "../worker-rpc.js";
import { siblingModule } from "../worker-thread.js";

export interface SmartTurnSpec {
  modelPath: string;
  modelName: string;
  threads: number;
}

export async function createSmartTurn(spec: SmartTurnSpec): Promise<EndOfTurnModel> {
  const rpc = await startWorkerRpc<Float32Array, EndOfTurnVerdict>({
    url: siblingModule("smart-turn-worker", import.meta.url),
    workerData: spec,
    stage: "turn",
    what: "end-of-turn model",
    loads: spec.modelPath,
  });
  // The first inference allocates and compiles: pay it at load, not on the first user's pause.
  await rpc.call(new Float32Array(16000));
  return {
    info: { name: "smart-turn", model: spec.modelName, device: "cpu" },
    predict: (audio) => rpc.call(audio),
    close: () => rpc.close(),
  };
}
