/**
 * Worker thread for Moonshine: the encoder and the greedy decode loop. onnxruntime-node's `run`
 * computes on the calling thread, and each decoder step feeds back the encoder's output and a
 * growing key/value cache (megabytes a step), so the whole loop stays here and only the audio in
 * and the token ids out cross to the event loop.
 */
import { join } from "node:path";
import { workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { serveWorkerRpc } from "../worker-rpc.js";

export type MoonshineRequest =
  | { decode: { job: number; audio: Float32Array; maxTokens: number } }
  /** Stops job's decode within one token (~5 ms); it then answers `{ cancelled: true }`. */
  | { cancel: number };
export type MoonshineReply = { ids: number[]; logProbSum: number; ended: boolean } | { cancelled: true } | null;

const START = 1;
const END = 2;
/** Key/value heads and head size by decoder depth (tiny: 6 layers, base: 8). */
const KV_SHAPE: Record<number, [heads: number, headDim: number]> = { 6: [8, 36], 8: [8, 52] };

interface Model {
  encoder: ort.InferenceSession;
  decoder: ort.InferenceSession;
  pastNames: string[];
  kv: [number, number];
  /** Jobs decoding now, and those of them to stop (a late cancel names a job that is done). */
  running: Set<number>;
  cancelled: Set<number>;
}

const { modelDir, threads } = workerData as { modelDir: string; threads: number };

async function load(): Promise<{ state: Model; info: undefined }> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1 };
  const [encoder, decoder] = await Promise.all([
    ort.InferenceSession.create(join(modelDir, "encoder_model.ort"), options),
    ort.InferenceSession.create(join(modelDir, "decoder_model_merged.ort"), options),
  ]);
  const pastNames = decoder.inputNames.filter((n) => n.startsWith("past_key_values."));
  const kv = KV_SHAPE[pastNames.length / 4];
  if (!kv) throw new Error(`unknown Moonshine decoder layout (${pastNames.length / 4} layers)`);
  return { state: { encoder, decoder, pastNames, kv, running: new Set(), cancelled: new Set() }, info: undefined };
}

async function decode(m: Model, job: number, audio: Float32Array, maxTokens: number): Promise<MoonshineReply> {
  const mask = new ort.Tensor("int64", new BigInt64Array(audio.length).fill(1n), [1, audio.length]);
  const { last_hidden_state: hidden } = await m.encoder.run({
    input_values: new ort.Tensor("float32", audio, [1, audio.length]),
    attention_mask: mask,
  });
  const past: Record<string, ort.Tensor> = Object.fromEntries(
    m.pastNames.map((n) => [n, new ort.Tensor("float32", new Float32Array(0), [0, m.kv[0], 1, m.kv[1]])]),
  );
  const ids: number[] = [];
  let logProbSum = 0;
  let next = START;
  for (let step = 0; step <= maxTokens; step++) {
    if (m.cancelled.delete(job)) return { cancelled: true };
    const out = await m.decoder.run({
      input_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(next)]), [1, 1]),
      encoder_hidden_states: hidden!,
      encoder_attention_mask: mask,
      use_cache_branch: new ort.Tensor("bool", [step > 0], [1]),
      ...past,
    });
    const { best, logProb } = argmaxWithLogProb(out.logits!);
    logProbSum += logProb;
    // The encoder's keys and values are computed once, at the first step; the decoder's grow.
    for (const name of m.pastNames) {
      if (step === 0 || name.includes(".decoder.")) past[name] = out[name.replace("past_key_values.", "present.")]!;
    }
    if (best === END) return { ids, logProbSum, ended: true };
    ids.push(best);
    next = best;
  }
  return { ids, logProbSum, ended: false };
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

await serveWorkerRpc<MoonshineRequest, MoonshineReply, Model, undefined>(load, (m, req) => {
  if ("cancel" in req) {
    if (m.running.has(req.cancel)) m.cancelled.add(req.cancel);
    return null;
  }
  const { job, audio, maxTokens } = req.decode;
  m.running.add(job);
  return decode(m, job, audio, maxTokens).finally(() => {
    m.running.delete(job);
    m.cancelled.delete(job);
  });
});
