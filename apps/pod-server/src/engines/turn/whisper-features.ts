/**
 * Whisper's log-mel features of an 8 s window at 16 kHz (80 mel bins × 800 frames), as the
 * Smart Turn v3 model was trained on them: the waveform normalised to zero mean and unit variance,
 * a centred 400-point STFT (periodic Hann, hop 160, reflect padding), Slaney mel filters, log10,
 * a floor 8 below the maximum, then (x + 4) / 4. Written from the reference definition
 * (transformers' WhisperFeatureExtractor); the test compares it with pipecat's numpy version.
 *
 * The window is mostly silence for a short utterance, and frames that see only the constant
 * padding share one spectrum: it is computed once.
 */

export const SAMPLE_RATE = 16000;
export const WINDOW_SAMPLES = 8 * SAMPLE_RATE;
export const N_MELS = 80;
export const N_FRAMES = 800;
const N_FFT = 400;
const HOP = 160;
const N_BINS = N_FFT / 2 + 1;

function hzToMel(hz: number): number {
  return hz >= 1000 ? 15 + Math.log(hz / 1000) * (27 / Math.log(6.4)) : (3 * hz) / 200;
}
function melToHz(mel: number): number {
  return mel >= 15 ? 1000 * Math.exp((Math.log(6.4) / 27) * (mel - 15)) : (200 * mel) / 3;
}

/** Slaney-normalised triangular filters, [mel][bin]. */
function melFilters(): Float64Array[] {
  const mMax = hzToMel(SAMPLE_RATE / 2);
  const edges = Array.from({ length: N_MELS + 2 }, (_, i) => melToHz((mMax * i) / (N_MELS + 1)));
  const fftHz = Array.from({ length: N_BINS }, (_, k) => ((SAMPLE_RATE / 2) * k) / (N_BINS - 1));
  return Array.from({ length: N_MELS }, (_, m) => {
    const row = new Float64Array(N_BINS);
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (hi - lo);
    for (let k = 0; k < N_BINS; k++) {
      const f = fftHz[k]!;
      row[k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * norm;
    }
    return row;
  });
}

/** 400 = 2·2·2·2·5·5: a mixed-radix FFT, ~20× fewer operations than the plain DFT. */
const FACTORS = [2, 2, 2, 2, 5, 5];

let tables: {
  wRe: Float64Array;
  wIm: Float64Array;
  window: Float64Array;
  /** Each filter's nonzero bins (a triangle spans a few), for a sparse product. */
  mel: { from: number; weights: Float64Array }[];
} | null = null;
function getTables() {
  if (tables) return tables;
  const wRe = Float64Array.from({ length: N_FFT }, (_, e) => Math.cos((-2 * Math.PI * e) / N_FFT));
  const wIm = Float64Array.from({ length: N_FFT }, (_, e) => Math.sin((-2 * Math.PI * e) / N_FFT));
  const window = Float64Array.from({ length: N_FFT }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N_FFT));
  const mel = melFilters().map((row) => {
    let from = row.findIndex((v) => v > 0);
    if (from < 0) from = 0;
    let to = row.length;
    while (to > from && row[to - 1] === 0) to--;
    return { from, weights: row.slice(from, to) };
  });
  tables = { wRe, wIm, window, mel };
  return tables;
}

const combineRe = new Float64Array(Math.max(...FACTORS));
const combineIm = new Float64Array(Math.max(...FACTORS));

/** Decimation in time: the n-point DFT of input[inOff + i·stride] into out[outOff …]. */
function fft(
  inRe: Float64Array,
  inOff: number,
  stride: number,
  n: number,
  outRe: Float64Array,
  outIm: Float64Array,
  outOff: number,
  level: number,
): void {
  if (n === 1) {
    outRe[outOff] = inRe[inOff]!;
    outIm[outOff] = 0;
    return;
  }
  const { wRe, wIm } = getTables();
  const p = FACTORS[level]!;
  const m = n / p;
  for (let q = 0; q < p; q++) fft(inRe, inOff + q * stride, stride * p, m, outRe, outIm, outOff + q * m, level + 1);
  const step = N_FFT / n;
  // The sub-transforms above are done before this level combines, so one scratch serves every level.
  const tRe = combineRe;
  const tIm = combineIm;
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < p; j++) {
      let re = 0;
      let im = 0;
      const out = k + j * m;
      for (let q = 0; q < p; q++) {
        const e = ((q * out) % n) * step;
        const yr = outRe[outOff + q * m + k]!;
        const yi = outIm[outOff + q * m + k]!;
        re += yr * wRe[e]! - yi * wIm[e]!;
        im += yr * wIm[e]! + yi * wRe[e]!;
      }
      tRe[j] = re;
      tIm[j] = im;
    }
    for (let j = 0; j < p; j++) {
      outRe[outOff + k + j * m] = tRe[j]!;
      outIm[outOff + k + j * m] = tIm[j]!;
    }
  }
}

const specRe = new Float64Array(N_FFT);
const specIm = new Float64Array(N_FFT);

/** log10 of the mel energies of one frame (windowed here). */
function frameLogMel(frame: Float64Array, out: Float64Array): void {
  const { window, mel } = getTables();
  for (let n = 0; n < N_FFT; n++) frame[n]! *= window[n]!;
  fft(frame, 0, 1, N_FFT, specRe, specIm, 0, 0);
  for (let m = 0; m < N_MELS; m++) {
    const { from, weights } = mel[m]!;
    let e = 0;
    for (let i = 0; i < weights.length; i++) {
      const k = from + i;
      e += weights[i]! * (specRe[k]! * specRe[k]! + specIm[k]! * specIm[k]!);
    }
    out[m] = Math.log10(Math.max(1e-10, e));
  }
}

/**
 * The model's input for the last 8 s of `audio` (16 kHz): shorter audio is padded with silence
 * before it, as the model saw in training. Returns [80 × 800] row-major (mel-major).
 */
export function smartTurnFeatures(audio: Float32Array): Float32Array {
  const tail = audio.length > WINDOW_SAMPLES ? audio.subarray(audio.length - WINDOW_SAMPLES) : audio;
  const lead = WINDOW_SAMPLES - tail.length;
  // Normalised in float32 like the reference; the padding's zeros become the constant -mean/std.
  let sum = 0;
  for (let i = 0; i < tail.length; i++) sum += tail[i]!;
  const mean = sum / WINDOW_SAMPLES;
  let sq = lead * mean * mean;
  for (let i = 0; i < tail.length; i++) sq += (tail[i]! - mean) ** 2;
  const std = Math.sqrt(sq / WINDOW_SAMPLES + 1e-7);
  const x = new Float32Array(WINDOW_SAMPLES).fill((0 - mean) / std);
  for (let i = 0; i < tail.length; i++) x[lead + i] = (tail[i]! - mean) / std;

  const pad = N_FFT / 2;
  // Reflect padding at both ends (numpy's "reflect": the edge sample is not repeated).
  const at = (i: number) => x[i < 0 ? -i : i >= WINDOW_SAMPLES ? 2 * (WINDOW_SAMPLES - 1) - i : i]!;
  const logMel = new Float64Array(N_MELS * N_FRAMES);
  const frame = new Float64Array(N_FFT);
  const col = new Float64Array(N_MELS);
  let constant: Float64Array | null = null;
  for (let t = 0; t < N_FRAMES; t++) {
    const start = t * HOP - pad;
    // Frames wholly inside the leading padding (and clear of the reflected start) are all alike.
    const insidePadding = start >= 0 && start + N_FFT <= lead;
    if (insidePadding && constant) {
      for (let m = 0; m < N_MELS; m++) logMel[m * N_FRAMES + t] = constant[m]!;
      continue;
    }
    for (let n = 0; n < N_FFT; n++) frame[n] = at(start + n);
    frameLogMel(frame, col);
    if (insidePadding) constant = Float64Array.from(col);
    for (let m = 0; m < N_MELS; m++) logMel[m * N_FRAMES + t] = col[m]!;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logMel) if (v > max) max = v;
  const out = new Float32Array(N_MELS * N_FRAMES);
  for (let i = 0; i < out.length; i++) out[i] = (Math.max(logMel[i]!, max - 8) + 4) / 4;
  return out;
}
