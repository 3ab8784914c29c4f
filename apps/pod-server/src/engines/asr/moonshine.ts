/**
 * Moonshine (Useful Sensors) in onnxruntime-node: an encoder over the raw 16 kHz samples and a
 * decoder with a KV cache, decoded greedily. Unlike Whisper it does not pad every utterance to
 * 30 s, so its cost follows the audio: a 2–3 s question takes ~0.1 s on one CPU core (Whisper
 * base ~0.5 s on two). Tiny's words are less reliable than Whisper base's, so each transcript
 * carries a confidence (the geometric mean of its tokens' probabilities) that first-pass.ts uses
 * to decide whether to trust it. English only.
 *
 * The model folder holds encoder_model.ort, decoder_model_merged.ort and tokenizer.bin (each token
 * one length byte, then its bytes; "▁" marks a space), as the moonshine-voice wheel ships them.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import "../onnx-binding.js";
import { type AsrEngine, EngineError, type Transcript } from "../types.js";
import { startWorkerRpc } from "../worker-rpc.js";
import { siblingModule } from "../worker-thread.js";
import { asrTokenBudget } from "./decode-budget.js";
import type { MoonshineReply, MoonshineRequest } from "./moonshine-worker.js";
import { collapseRepeatedTail } from "./whisper-loops.js";

export interface MoonshineOptions {
  modelDir: string;
  modelName: string;
  threads: number;
}

/** Below this the encoder has too little to work with; such a clip is reported as not understood. */
const MIN_SAMPLES = 1600;

function parseMoonshineTokens(bytes: Uint8Array): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = bytes[i]!;
    tokens.push(bytes.subarray(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return tokens;
}

function detokenise(vocab: Uint8Array[], ids: number[]): string {
  const bytes = Buffer.concat(ids.map((id) => vocab[id] ?? new Uint8Array(0)));
  return bytes.toString("utf8").replaceAll("\u2581", " ").trim();
}

export async function createMoonshine(opts: MoonshineOptions): Promise<AsrEngine> {
  const [worker, vocabBytes] = await Promise.all([
    startWorkerRpc<MoonshineRequest, MoonshineReply>({
      url: siblingModule("moonshine-worker", import.meta.url),
      workerData: { modelDir: opts.modelDir, threads: opts.threads },
      stage: "asr",
      what: "Moonshine",
      loads: opts.modelDir,
    }),
    readFile(join(opts.modelDir, "tokenizer.bin")),
  ]);
  const vocab = parseMoonshineTokens(vocabBytes);
  let jobs = 0;

  async function run(audio: Float32Array, signal?: AbortSignal): Promise<Transcript> {
    signal?.throwIfAborted();
    if (audio.length < MIN_SAMPLES) return { text: "", confidence: 0, language: "en" };
    const job = jobs++;
    // An aborted guess stops in the worker within one token (~5 ms) and rejects here at once.
    const decoded = worker.call({ decode: { job, audio, maxTokens: asrTokenBudget(audio.length) } });
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => {
        void worker.call({ cancel: job }).catch(() => {});
        reject(signal!.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      void decoded.finally(() => signal?.removeEventListener("abort", onAbort)).catch(() => {});
    });
    const out = await Promise.race([decoded, aborted]);
    if (!out || "cancelled" in out) throw signal?.reason ?? new Error("aborted");
    const raw = detokenise(vocab, out.ids);
    const text = collapseRepeatedTail(raw, audio.length / 16000);
    // Cut short or looping: the words are not to be trusted, whatever their probabilities.
    const confidence = out.ended && text === raw ? Math.exp(out.logProbSum / (out.ids.length + 1)) : 0;
    return { text, confidence, language: "en" };
  }

  return {
    info: { name: "moonshine", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    supportsPartials: true,
    async transcribe(audio, { language, signal }) {
      if (language && language !== "en") throw new EngineError("asr", `${opts.modelName} transcribes English only`);
      try {
        return await run(audio, signal);
      } catch (err) {
        if (signal?.aborted || err instanceof EngineError) throw err;
        throw new EngineError("asr", (err as Error).message);
      }
    },
    close: () => worker.close(),
  };
}
