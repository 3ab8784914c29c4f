/**
 * Silero VAD v5 in onnxruntime-node. Like the reference wrapper, each 512-sample frame is fed
 * with the previous frame's last 64 samples as context, plus the recurrent state.
 */
import * as ort from "onnxruntime-node";
import { EngineError, type VadEngine, type VadStream } from "../types.js";

const FRAME = 512;
const CONTEXT = 64;

export async function createSileroVad(modelPath: string, opts: { device?: "cpu" | "cuda" } = {}): Promise<VadEngine> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: opts.device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);
  return {
    info: { name: "silero", model: "silero_vad_v5", device: opts.device ?? "cpu" },
    sampleRate: 16000,
    frameSamples: FRAME,
    createStream(): VadStream {
      let state = new Float32Array(2 * 128);
      let context = new Float32Array(CONTEXT);
      return {
        async process(frame) {
          if (frame.length !== FRAME) throw new EngineError("vad", `frame of ${frame.length} samples; Silero needs ${FRAME}`);
          const input = new Float32Array(CONTEXT + FRAME);
          input.set(context);
          input.set(frame, CONTEXT);
          const out = await session.run({
            input: new ort.Tensor("float32", input, [1, CONTEXT + FRAME]),
            state: new ort.Tensor("float32", state, [2, 1, 128]),
            sr,
          });
          state = new Float32Array(out.stateN!.data as Float32Array);
          context = input.slice(input.length - CONTEXT);
          return (out.output!.data as Float32Array)[0]!;
        },
        reset() {
          state = new Float32Array(2 * 128);
          context = new Float32Array(CONTEXT);
        },
      };
    },
    async close() {
      await session.release();
    },
  };
}
