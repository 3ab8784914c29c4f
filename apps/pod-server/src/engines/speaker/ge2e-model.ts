/**
 * The GE2E speaker encoder (Wan et al. 2018; the pretrained weights shipped in Resemblyzer):
 * 40-band mel power spectra of 16 kHz audio (25 ms windows, 10 ms hop) → 3-layer LSTM (256) →
 * linear + ReLU → L2-normalised 256-d embedding per 1.6 s partial. An utterance's embedding is the
 * normalised mean of its partials' embeddings; cosine similarity of two embeddings compares voices.
 *
 * Pure computation on Float32Arrays (runs in a worker thread, see ge2e-worker.ts).
 */
import { rms } from "@fireside/audio";
import type { SpeakerEmbedding } from "../types.js";
import { CheckpointFormatError, readLegacyCheckpoint, type Tensor } from "./torch-legacy-checkpoint.js";

const SAMPLE_RATE = 16000;
const N_FFT = 400; // 25 ms
const HOP = 160; // 10 ms
const N_MELS = 40;
const HIDDEN = 256;
const LAYERS = 3;
const PARTIAL_FRAMES = 160; // 1.6 s
/** Partials longer clips are sampled down to: enough to pin a voice, cheap enough on a CPU. */
const MAX_PARTIALS = 10;
const TARGET_DBFS = -30;

interface LstmLayer {
  wIh: Float32Array; // (4H, in)
  wHh: Float32Array; // (4H, H)
  bias: Float32Array; // b_ih + b_hh, (4H)
  inputSize: number;
}

export interface Ge2eWeights {
  layers: LstmLayer[];
  linearW: Float32Array; // (256, 256)
  linearB: Float32Array;
}

export function loadGe2eWeights(checkpoint: Buffer): Ge2eWeights {
  const tensors = readLegacyCheckpoint(checkpoint);
  const get = (name: string, shape: number[]): Tensor => {
    const t = tensors.get(`model_state.${name}`) ?? tensors.get(name);
    if (!t) throw new CheckpointFormatError(`speaker encoder checkpoint lacks ${name}`);
    if (t.shape.join("x") !== shape.join("x")) {
      throw new CheckpointFormatError(`${name} has shape ${t.shape.join("x")}, expected ${shape.join("x")}`);
    }
    return t;
  };
  const layers: LstmLayer[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const inputSize = l === 0 ? N_MELS : HIDDEN;
    const bIh = get(`lstm.bias_ih_l${l}`, [4 * HIDDEN]).data;
    const bHh = get(`lstm.bias_hh_l${l}`, [4 * HIDDEN]).data;
    layers.push({
      wIh: get(`lstm.weight_ih_l${l}`, [4 * HIDDEN, inputSize]).data,
      wHh: get(`lstm.weight_hh_l${l}`, [4 * HIDDEN, HIDDEN]).data,
      bias: bIh.map((v, i) => v + bHh[i]!),
      inputSize,
    });
  }
  return {
    layers,
    linearW: get("linear.weight", [HIDDEN, HIDDEN]).data,
    linearB: get("linear.bias", [HIDDEN]).data,
  };
}

// ---- features ---------------------------------------------------------------------------------

const hzToMel = (f: number) => (f < 1000 ? f / (200 / 3) : 15 + Math.log(f / 1000) / (Math.log(6.4) / 27));
const melToHz = (m: number) => (m < 15 ? m * (200 / 3) : 1000 * Math.exp((m - 15) * (Math.log(6.4) / 27)));

/** Slaney-style triangular filters with area normalisation (the training features' filterbank). */
function melFilterbank(): Float32Array[] {
  const bins = N_FFT / 2 + 1;
  const top = hzToMel(SAMPLE_RATE / 2);
  const edges = Array.from({ length: N_MELS + 2 }, (_, i) => melToHz((top * i) / (N_MELS + 1)));
  return Array.from({ length: N_MELS }, (_, m) => {
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (hi - lo);
    const row = new Float32Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * SAMPLE_RATE) / N_FFT;
      row[k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * norm;
    }
    return row;
  });
}

let tables: { cos: Float32Array; sin: Float32Array; window: Float32Array; mel: Float32Array[] } | undefined;
function dftTables() {
  if (tables) return tables;
  const bins = N_FFT / 2 + 1;
  const cos = new Float32Array(bins * N_FFT);
  const sin = new Float32Array(bins * N_FFT);
  for (let k = 0; k < bins; k++) {
    for (let n = 0; n < N_FFT; n++) {
      const a = (2 * Math.PI * ((k * n) % N_FFT)) / N_FFT;
      cos[k * N_FFT + n] = Math.cos(a);
      sin[k * N_FFT + n] = Math.sin(a);
    }
  }
  const window = Float32Array.from({ length: N_FFT }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N_FFT));
  tables = { cos, sin, window, mel: melFilterbank() };
  return tables;
}

/** Mel power spectrogram, frames centred on multiples of the hop (reflect-padded), (T, 40) row-major. */
export function melSpectrogram(audio: Float32Array): { frames: number; data: Float32Array } {
  const { cos, sin, window, mel } = dftTables();
  const pad = N_FFT / 2;
  const padded = new Float32Array(audio.length + 2 * pad);
  padded.set(audio, pad);
  for (let i = 0; i < pad; i++) {
    padded[pad - 1 - i] = audio[Math.min(i + 1, audio.length - 1)] ?? 0;
    padded[pad + audio.length + i] = audio[Math.max(audio.length - 2 - i, 0)] ?? 0;
  }
  const frames = 1 + Math.floor(audio.length / HOP);
  const bins = N_FFT / 2 + 1;
  const out = new Float32Array(frames * N_MELS);
  const x = new Float32Array(N_FFT);
  const power = new Float32Array(bins);
  for (let t = 0; t < frames; t++) {
    for (let n = 0; n < N_FFT; n++) x[n] = padded[t * HOP + n]! * window[n]!;
    for (let k = 0; k < bins; k++) {
      const re = dot(cos, k * N_FFT, x, 0, N_FFT);
      const im = dot(sin, k * N_FFT, x, 0, N_FFT);
      power[k] = re * re + im * im;
    }
    for (let m = 0; m < N_MELS; m++) {
      const f = mel[m]!;
      let s = 0;
      for (let k = 0; k < bins; k++) s += f[k]! * power[k]!;
      out[t * N_MELS + m] = s;
    }
  }
  return { frames, data: out };
}

/** Raises quiet clips to -30 dBFS (never lowers loud ones), as in training. */
function normaliseVolume(audio: Float32Array): Float32Array {
  const level = rms(audio);
  if (level === 0) return audio;
  const change = TARGET_DBFS - 20 * Math.log10(level);
  if (change <= 0) return audio;
  const gain = 10 ** (change / 20);
  return audio.map((v) => v * gain);
}

/**
 * Drops pauses longer than ~200 ms (30 ms windows more than 40 dB under the loudest window), so
 * partials hold speech rather than silence.
 */
function trimLongSilences(audio: Float32Array): Float32Array {
  const win = (30 * SAMPLE_RATE) / 1000;
  const n = Math.floor(audio.length / win);
  const level = Array.from({ length: n }, (_, w) => rms(audio, w * win, (w + 1) * win));
  const loudest = Math.max(0, ...level);
  const voiced = level.map((l) => l > loudest * 1e-2); // 40 dB
  const keep = new Array<boolean>(n).fill(false);
  const maxSilent = 6;
  let run = 0;
  for (let w = 0; w < n; w++) {
    run = voiced[w] ? 0 : run + 1;
    keep[w] = run <= maxSilent;
  }
  const kept = keep.filter(Boolean).length;
  const out = new Float32Array(kept * win);
  let o = 0;
  for (let w = 0; w < n; w++) {
    if (!keep[w]) continue;
    out.set(audio.subarray(w * win, (w + 1) * win), o);
    o += win;
  }
  return out;
}

// ---- network ----------------------------------------------------------------------------------

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** a[ao..ao+n) · b[bo..bo+n), n a multiple of 4: four running sums keep the CPU's adders busy. */
function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  return s0 + s1 + s2 + s3;
}

/** Runs the LSTM over one partial's frames and returns the normalised embedding. */
function embedPartial(w: Ge2eWeights, mels: Float32Array, start: number, length: number): Float32Array {
  const G = 4 * HIDDEN;
  let input = mels.subarray(start * N_MELS, (start + length) * N_MELS);
  let inputSize = N_MELS;
  const h = new Float32Array(HIDDEN);
  const c = new Float32Array(HIDDEN);
  const z = new Float32Array(G);
  for (const layer of w.layers) {
    const outputs = new Float32Array(length * HIDDEN);
    h.fill(0);
    c.fill(0);
    for (let t = 0; t < length; t++) {
      const xOff = t * inputSize;
      for (let g = 0; g < G; g++) {
        z[g] = layer.bias[g]! + dot(layer.wIh, g * inputSize, input, xOff, inputSize) + dot(layer.wHh, g * HIDDEN, h, 0, HIDDEN);
      }
      // PyTorch gate order: input, forget, cell, output.
      for (let j = 0; j < HIDDEN; j++) {
        const ig = sigmoid(z[j]!);
        const fg = sigmoid(z[HIDDEN + j]!);
        const gg = Math.tanh(z[2 * HIDDEN + j]!);
        const og = sigmoid(z[3 * HIDDEN + j]!);
        c[j] = fg * c[j]! + ig * gg;
        h[j] = og * Math.tanh(c[j]!);
      }
      outputs.set(h, t * HIDDEN);
    }
    input = outputs;
    inputSize = HIDDEN;
  }
  const e = new Float32Array(HIDDEN);
  for (let o = 0; o < HIDDEN; o++) e[o] = Math.max(0, w.linearB[o]! + dot(w.linearW, o * HIDDEN, h, 0, HIDDEN));
  return normalise(e);
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? v.map((x) => x / n) : v;
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Embeds 16 kHz mono audio. Partials are back to back (so each voice in a clip shows up in its own
 * partials), evenly sampled down to at most MAX_PARTIALS; the last one is zero-padded when it holds
 * at least 75 % speech, and a clip shorter than one partial gives one padded partial.
 */
export function embedUtterance(w: Ge2eWeights, audio16k: Float32Array): SpeakerEmbedding {
  const speech = trimLongSilences(normaliseVolume(audio16k));
  const partialSamples = PARTIAL_FRAMES * HOP;
  let starts: number[] = [];
  for (let s = 0; s + 0.75 * partialSamples <= speech.length; s += partialSamples) starts.push(s);
  if (starts.length === 0) starts = [0];
  if (starts.length > MAX_PARTIALS) {
    const all = starts;
    starts = Array.from({ length: MAX_PARTIALS }, (_, i) => all[Math.round((i * (all.length - 1)) / (MAX_PARTIALS - 1))]!);
  }
  const needed = starts[starts.length - 1]! + partialSamples;
  const padded = speech.length >= needed ? speech : Float32Array.from({ length: needed }, (_, i) => speech[i] ?? 0);
  const mel = melSpectrogram(padded);
  const partials = starts.map((s) => embedPartial(w, mel.data, s / HOP, PARTIAL_FRAMES));
  const mean = new Float32Array(HIDDEN);
  for (const p of partials) for (let i = 0; i < HIDDEN; i++) mean[i]! += p[i]!;
  return { embedding: normalise(mean), partials };
}
