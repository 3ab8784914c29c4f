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
import * as ort from "onnxruntime-node";
import { type AsrEngine, EngineError, type Transcript } from "../types.js";
import { asrTokenBudget } from "./decode-budget.js";
import { collapseRepeatedTail } from "./whisper-loops.js";

export interface MoonshineOptions {
  modelDir: string;
  modelName: string;
  threads: number;
}

const START = 1;
const END = 2;
/** Below this the encoder has too little to work with; such a clip is reported as not understood. */
const MIN_SAMPLES = 1600;
/** Key/value heads and head size by decoder depth (tiny: 6 layers, base: 8). */
const KV_SHAPE: Record<number, [heads: number, headDim: number]> = { 6: [8, 36], 8: [8, 52] };

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
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
  };
  const [encoder, decoder, vocabBytes] = await Promise.all([
    ort.InferenceSession.create(join(opts.modelDir, "encoder_model.ort"), sessionOptions),
    ort.InferenceSession.create(join(opts.modelDir, "decoder_model_merged.ort"), sessionOptions),
    readFile(join(opts.modelDir, "tokenizer.bin")),
  ]);
  const vocab = parseMoonshineTokens(vocabBytes);
  const pastNames = decoder.inputNames.filter((n) => n.startsWith("past_key_values."));
  const layers = pastNames.length / 4;
  const kv = KV_SHAPE[layers];
  if (!kv) throw new EngineError("asr", `unknown Moonshine decoder layout (${layers} layers)`);
  const emptyPast = () =>
    Object.fromEntries(pastNames.map((n) => [n, new ort.Tensor("float32", new Float32Array(0), [0, kv[0], 1, kv[1]])]));

  async function run(audio: Float32Array, signal?: AbortSignal): Promise<Transcript> {
    const stop = () => {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    };
    stop();
    if (audio.length < MIN_SAMPLES) return { text: "", confidence: 0, language: "en" };
    const mask = new ort.Tensor("int64", new BigInt64Array(audio.length).fill(1n), [1, audio.length]);
    const { last_hidden_state: hidden } = await encoder.run({
      input_values: new ort.Tensor("float32", audio, [1, audio.length]),
      attention_mask: mask,
    });
    const past: Record<string, ort.Tensor> = emptyPast();
    const ids: number[] = [];
    let logProbSum = 0;
    let next = START;
    let ended = false;
    const budget = asrTokenBudget(audio.length);
    for (let step = 0; step <= budget; step++) {
      stop(); // an aborted guess stops within one token (~5 ms), not at the end of the utterance
      const out = await decoder.run({
        input_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(next)]), [1, 1]),
        encoder_hidden_states: hidden!,
        encoder_attention_mask: mask,
        use_cache_branch: new ort.Tensor("bool", [step > 0], [1]),
        ...past,
      });
      const { best, logProb } = argmaxWithLogProb(out.logits!);
      logProbSum += logProb;
      // The encoder's keys and values are computed once, at the first step; the decoder's grow.
      for (const name of pastNames) {
        if (step === 0 || name.includes(".decoder.")) past[name] = out[name.replace("past_key_values.", "present.")]!;
      }
      if (best === END) {
        ended = true;
        break;
      }
      ids.push(best);
      next = best;
    }
    const raw = detokenise(vocab, ids);
    const text = collapseRepeatedTail(raw, audio.length / 16000);
    // Cut short or looping: the words are not to be trusted, whatever their probabilities.
    const confidence = ended && text === raw ? Math.exp(logProbSum / (ids.length + 1)) : 0;
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
    async close() {
      await Promise.all([encoder.release(), decoder.release()]);
    },
  };
}

/** The most likely next token and its log-probability (a log-softmax over the last position). */
function argmaxWithLogProb(logits: ort.Tensor): { best: number; logProb: number } {
  const data = logits.data as Float32Array;
  const vocabSize = logits.dims[2]!;
  const offset = (logits.dims[1]! - 1) * vocabSize;
  let best = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < vocabSize; v++) {
    const x = data[offset + v]!;
    if (x > max) {
      max = x;
      best = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < vocabSize; v++) sum += Math.exp(data[offset + v]! - max);
  return { best, logProb: -Math.log(sum) };
}
