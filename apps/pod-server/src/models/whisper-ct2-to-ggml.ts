/**
 * Converts a CTranslate2 Whisper model (the faster-whisper format: model.bin + tokenizer.json)
 * into the ggml file whisper.cpp loads.
 *
 * Why: the only Whisper weights a package registry carries are in CTranslate2 format, while the
 * product runs whisper.cpp (same engine on CPU and CUDA). Real users download ggml files directly;
 * this converter lets tests and offline installs use the registry copies.
 *
 * CTranslate2 layout (binary version ≥ 4): u32 version, str spec, u32 revision, u32 n_vars,
 * then per variable: str name, u8 rank, u32 dims[rank], u8 dtype, u32 n_bytes, bytes; then aliases.
 * Strings are u16 length (including a trailing NUL) + bytes. Everything little-endian.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const CT2_FLOAT32 = 0;
const CT2_FLOAT16 = 4;

interface Ct2Variable {
  dims: number[];
  dtype: number;
  data: Buffer;
}

export function readCt2Model(bytes: Buffer): Map<string, Ct2Variable> {
  let pos = 0;
  const u8 = () => bytes.readUInt8(pos++);
  const u16 = () => {
    const v = bytes.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const u32 = () => {
    const v = bytes.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const str = () => {
    const n = u16();
    const s = bytes.toString("utf8", pos, pos + n - 1);
    pos += n;
    return s;
  };
  const version = u32();
  if (version < 4) throw new Error(`CTranslate2 binary version ${version} is too old (need ≥ 4)`);
  const spec = str();
  u32(); // spec revision
  if (spec !== "WhisperSpec") throw new Error(`not a Whisper model: spec ${spec}`);
  const vars = new Map<string, Ct2Variable>();
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = str();
    const rank = u8();
    const dims: number[] = [];
    for (let r = 0; r < rank; r++) dims.push(u32());
    const dtype = u8();
    const nBytes = u32();
    vars.set(name, { dims, dtype, data: bytes.subarray(pos, pos + nBytes) });
    pos += nBytes;
  }
  const aliases = u32();
  for (let i = 0; i < aliases; i++) {
    const alias = str();
    const target = str();
    const v = vars.get(target);
    if (v) vars.set(alias, v);
  }
  return vars;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** IEEE half from a float, rounding to nearest even (as ggml's fp32→fp16). */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** GGML_TYPE_Q8_0 blocks of float16 values: per 32 values a float16 scale and 32 int8 (34 bytes). */
export function quantizeQ8_0(f16: Buffer): Buffer {
  const n = f16.length / 2;
  if (n % 32 !== 0) throw new Error(`q8_0 needs a multiple of 32 values, got ${n}`);
  const out = Buffer.alloc((n / 32) * 34);
  const x = new Float32Array(32);
  for (let b = 0; b < n / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) {
      x[j] = halfToFloat(f16.readUInt16LE((b * 32 + j) * 2));
      amax = Math.max(amax, Math.abs(x[j]!));
    }
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    out.writeUInt16LE(floatToHalf(d), b * 34);
    for (let j = 0; j < 32; j++) {
      const v = x[j]! * id;
      out.writeInt8(Math.sign(v) * Math.round(Math.abs(v)), b * 34 + 2 + j); // roundf: half away from zero
    }
  }
  return out;
}

/** float32 little-endian bytes of a variable, whatever its stored type. */
function asFloat32(v: Ct2Variable): Buffer {
  if (v.dtype === CT2_FLOAT32) return Buffer.from(v.data);
  if (v.dtype !== CT2_FLOAT16) throw new Error(`unsupported CTranslate2 dtype ${v.dtype} (quantised models are not supported)`);
  const n = v.data.length / 2;
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) out.writeFloatLE(halfToFloat(v.data.readUInt16LE(i * 2)), i * 4);
  return out;
}

function asFloat16(v: Ct2Variable): Buffer {
  if (v.dtype === CT2_FLOAT16) return Buffer.from(v.data);
  throw new Error(`expected float16 weights, got CTranslate2 dtype ${v.dtype}`);
}

/** Slaney-style mel filter bank, identical to librosa.filters.mel (Whisper's own filters). */
export function melFilterBank(sampleRate: number, nFft: number, nMels: number): Float32Array {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  const hzToMel = (f: number) => (f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logStep : f / fSp);
  const melToHz = (m: number) => (m >= minLogMel ? minLogHz * Math.exp(logStep * (m - minLogMel)) : m * fSp);
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * sampleRate) / 2 / (nBins - 1));
  const maxMel = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * maxMel) / (nMels + 1)));
  const out = new Float32Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const enorm = 2 / (melF[m + 2]! - melF[m]!);
    for (let b = 0; b < nBins; b++) {
      const lower = (fftFreqs[b]! - melF[m]!) / (melF[m + 1]! - melF[m]!);
      const upper = (melF[m + 2]! - fftFreqs[b]!) / (melF[m + 2]! - melF[m + 1]!);
      out[m * nBins + b] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return out;
}

/** GPT-2 byte-level BPE maps bytes to printable code points; invert that to get raw token bytes. */
function byteDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCodePoint(cs[i]!), b]));
}

interface TokenizerJson {
  model: { vocab: Record<string, number> };
  added_tokens: { id: number; content: string }[];
}

function vocabBytes(tokenizer: TokenizerJson): Buffer[] {
  const dec = byteDecoder();
  const firstSpecial = Math.min(...tokenizer.added_tokens.map((t) => t.id));
  const tokens: Buffer[] = new Array(firstSpecial);
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) {
    if (id >= firstSpecial) continue;
    tokens[id] = Buffer.from([...text].map((ch) => dec.get(ch) ?? 0));
  }
  for (let i = 0; i < tokens.length; i++) tokens[i] ??= Buffer.alloc(0);
  return tokens;
}

function scalar(v: Ct2Variable | undefined, fallback: number): number {
  if (!v) return fallback;
  if (v.dtype === 2) return v.data.readInt16LE(0);
  if (v.dtype === 3) return v.data.readInt32LE(0);
  return v.data.readInt8(0);
}

/** Splits the rows of a fused [parts*d, …] weight or [parts*d] bias into equal parts. */
function splitRows(v: Ct2Variable, parts: number): Ct2Variable[] {
  const rows = v.dims[0]! / parts;
  const rowBytes = v.data.length / v.dims[0]!;
  return Array.from({ length: parts }, (_, p) => ({
    dims: [rows, ...v.dims.slice(1)],
    dtype: v.dtype,
    data: v.data.subarray(p * rows * rowBytes, (p + 1) * rows * rowBytes),
  }));
}

/**
 * `quantize: "q8_0"` stores every weight matrix as 8-bit blocks (convolutions stay float16, vectors
 * and positional tables float32, as whisper.cpp's own quantiser leaves them): half the size, and
 * whisper.cpp's CPU kernels run it faster than float16.
 */
export function convertCt2WhisperToGgml(
  modelDir: string,
  outFile: string,
  opts: { quantize?: "q8_0" } = {},
): { layers: number; vocab: number } {
  const vars = readCt2Model(readFileSync(join(modelDir, "model.bin")));
  const tokenizer = JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")) as TokenizerJson;
  const get = (name: string) => {
    const v = vars.get(name);
    if (!v) throw new Error(`CTranslate2 model lacks ${name}`);
    return v;
  };
  const count = (prefix: string) => {
    let n = 0;
    while (vars.has(`${prefix}/layer_${n}/ffn/linear_0/weight`)) n++;
    return n;
  };
  const encLayers = count("encoder");
  const decLayers = count("decoder");
  const tokenEmb = get("decoder/embeddings/weight");
  const encPos = get("encoder/position_encodings/encodings");
  const decPos = get("decoder/position_encodings/encodings");
  const conv1 = get("encoder/conv1/weight");
  const nVocab = tokenEmb.dims[0]!;
  const nMels = conv1.dims[1]!;

  const chunks: Buffer[] = [];
  const i32 = (...values: number[]) => {
    const b = Buffer.alloc(values.length * 4);
    for (const [i, v] of values.entries()) b.writeInt32LE(v, i * 4);
    chunks.push(b);
  };
  i32(0x67676d6c); // "ggml"
  i32(
    nVocab,
    encPos.dims[0]!,
    encPos.dims[1]!,
    scalar(vars.get("encoder/num_heads"), 0),
    encLayers,
    decPos.dims[0]!,
    decPos.dims[1]!,
    scalar(vars.get("decoder/num_heads"), 0),
    decLayers,
    nMels,
    opts.quantize === "q8_0" ? 7 : 1, // ftype: mostly q8_0 / mostly float16
  );
  const nFft = 201;
  i32(nMels, nFft);
  const filters = melFilterBank(16000, 400, nMels);
  chunks.push(Buffer.from(filters.buffer, filters.byteOffset, filters.byteLength));
  const vocab = vocabBytes(tokenizer);
  i32(vocab.length);
  for (const tok of vocab) {
    i32(tok.length);
    chunks.push(tok);
  }

  // float16 (or q8_0) for matrices, float16 for convolutions, float32 for vectors, conv biases and
  // positional tables (as whisper.cpp expects).
  const tensor = (name: string, v: Ct2Variable, o: { f32?: boolean; dims?: number[] } = {}) => {
    const dims = o.dims ?? v.dims;
    const f32 = o.f32 ?? dims.length < 2;
    const q8 = !f32 && opts.quantize === "q8_0" && dims.length === 2;
    const nameBytes = Buffer.from(name, "utf8");
    i32(dims.length, nameBytes.length, f32 ? 0 : q8 ? 8 : 1, ...[...dims].reverse());
    chunks.push(nameBytes, f32 ? asFloat32(v) : q8 ? quantizeQ8_0(asFloat16(v)) : asFloat16(v));
  };
  const ln = (dst: string, src: string) => {
    tensor(`${dst}.weight`, get(`${src}/gamma`));
    tensor(`${dst}.bias`, get(`${src}/beta`));
  };
  const linear = (dst: string, w: Ct2Variable, b?: Ct2Variable) => {
    tensor(`${dst}.weight`, w);
    if (b) tensor(`${dst}.bias`, b);
  };
  const ffn = (dst: string, src: string) => {
    ln(`${dst}.mlp_ln`, `${src}/ffn/layer_norm`);
    linear(`${dst}.mlp.0`, get(`${src}/ffn/linear_0/weight`), get(`${src}/ffn/linear_0/bias`));
    linear(`${dst}.mlp.2`, get(`${src}/ffn/linear_1/weight`), get(`${src}/ffn/linear_1/bias`));
  };
  const selfAttention = (dst: string, src: string) => {
    ln(`${dst}.attn_ln`, `${src}/self_attention/layer_norm`);
    const [qw, kw, vw] = splitRows(get(`${src}/self_attention/linear_0/weight`), 3);
    const [qb, , vb] = splitRows(get(`${src}/self_attention/linear_0/bias`), 3);
    linear(`${dst}.attn.query`, qw!, qb);
    linear(`${dst}.attn.key`, kw!); // Whisper's key projection has no bias
    linear(`${dst}.attn.value`, vw!, vb);
    linear(`${dst}.attn.out`, get(`${src}/self_attention/linear_1/weight`), get(`${src}/self_attention/linear_1/bias`));
  };

  tensor("encoder.positional_embedding", encPos, { f32: true });
  tensor("encoder.conv1.weight", conv1);
  const c1b = get("encoder/conv1/bias");
  tensor("encoder.conv1.bias", c1b, { f32: true, dims: [c1b.dims[0]!, 1] });
  tensor("encoder.conv2.weight", get("encoder/conv2/weight"));
  const c2b = get("encoder/conv2/bias");
  tensor("encoder.conv2.bias", c2b, { f32: true, dims: [c2b.dims[0]!, 1] });
  ln("encoder.ln_post", "encoder/layer_norm");
  for (let l = 0; l < encLayers; l++) {
    selfAttention(`encoder.blocks.${l}`, `encoder/layer_${l}`);
    ffn(`encoder.blocks.${l}`, `encoder/layer_${l}`);
  }
  tensor("decoder.positional_embedding", decPos, { f32: true });
  tensor("decoder.token_embedding.weight", tokenEmb);
  ln("decoder.ln", "decoder/layer_norm");
  for (let l = 0; l < decLayers; l++) {
    const dst = `decoder.blocks.${l}`;
    const src = `decoder/layer_${l}`;
    selfAttention(dst, src);
    ln(`${dst}.cross_attn_ln`, `${src}/attention/layer_norm`);
    linear(`${dst}.cross_attn.query`, get(`${src}/attention/linear_0/weight`), get(`${src}/attention/linear_0/bias`));
    const [kw, vw] = splitRows(get(`${src}/attention/linear_1/weight`), 2);
    const [, vb] = splitRows(get(`${src}/attention/linear_1/bias`), 2);
    linear(`${dst}.cross_attn.key`, kw!);
    linear(`${dst}.cross_attn.value`, vw!, vb);
    linear(`${dst}.cross_attn.out`, get(`${src}/attention/linear_2/weight`), get(`${src}/attention/linear_2/bias`));
    ffn(dst, src);
  }
  writeFileSync(outFile, Buffer.concat(chunks));
  return { layers: encLayers, vocab: nVocab };
}
