/** RIFF/WAVE reading (PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE) and writing. */
import { AudioFormatError } from "./errors.js";
import { floatToInt16 } from "./pcm.js";

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  /** Interleaved samples in [-1, 1]. */
  samples: Float32Array;
  /** Samples per channel. */
  frames: number;
}

/** Sample rates a real recording can have; 0 or absurd values mean a corrupt header. */
const MIN_RATE = 1000;
const MAX_RATE = 768_000;
const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

const tag = (v: DataView, o: number) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3));

export function readWav(bytes: Uint8Array): DecodedWav {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || tag(v, 0) !== "RIFF" || tag(v, 8) !== "WAVE") throw new AudioFormatError("not a RIFF/WAVE file");
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | null = null;
  let pos = 12;
  while (pos + 8 <= bytes.byteLength) {
    const id = tag(v, pos);
    const size = v.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.byteLength) throw new AudioFormatError("fmt chunk too short (the header is cut off)");
      let format = v.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 26 && body + 26 <= bytes.byteLength) format = v.getUint16(body + 24, true);
      fmt = { format, channels: v.getUint16(body + 2, true), sampleRate: v.getUint32(body + 4, true), bits: v.getUint16(body + 14, true) };
    } else if (id === "data") {
      if (!fmt) throw new AudioFormatError("data chunk before fmt chunk");
      const { format, channels, sampleRate, bits } = fmt;
      if (channels < 1) throw new AudioFormatError("zero channels");
      if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
        throw new AudioFormatError(`sample rate ${sampleRate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`);
      }
      const end = Math.min(body + size, bytes.byteLength); // tolerate streaming writers' bogus sizes
      const read = sampleReader(format, bits); // refuses odd widths (0 bits would divide by zero)
      const width = bits / 8;
      const n = Math.floor((end - body) / width);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = read(v, body + i * width);
      return { sampleRate, channels, samples: out, frames: Math.floor(n / channels) };
    }
    pos = body + size + (size & 1);
  }
  throw new AudioFormatError(fmt ? "no data chunk" : "no fmt chunk");
}

function sampleReader(format: number, bits: number): (v: DataView, o: number) => number {
  if (format === FORMAT_PCM) {
    if (bits === 8) return (v, o) => (v.getUint8(o) - 128) / 128;
    if (bits === 16) return (v, o) => v.getInt16(o, true) / 32768;
    if (bits === 24) return (v, o) => (v.getUint8(o) | (v.getUint8(o + 1) << 8) | (v.getInt8(o + 2) << 16)) / 8388608;
    if (bits === 32) return (v, o) => v.getInt32(o, true) / 2147483648;
  }
  if (format === FORMAT_FLOAT) {
    if (bits === 32) return (v, o) => v.getFloat32(o, true);
    if (bits === 64) return (v, o) => v.getFloat64(o, true);
  }
  throw new AudioFormatError(`unsupported WAV encoding: format ${format}, ${bits} bits`);
}

/** Writes 16-bit PCM WAV. Float input is clipped to [-1, 1]. */
export function writeWav(samples: Float32Array | Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const pcm = samples instanceof Int16Array ? samples : floatToInt16(samples);
  const out = new Uint8Array(44 + pcm.length * 2);
  const v = new DataView(out.buffer);
  const put = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) v.setUint8(o + i, s.charCodeAt(i));
  };
  put(0, "RIFF");
  v.setUint32(4, 36 + pcm.length * 2, true);
  put(8, "WAVE");
  put(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, "data");
  v.setUint32(40, pcm.length * 2, true);
  for (let i = 0; i < pcm.length; i++) v.setInt16(44 + i * 2, pcm[i]!, true);
  return out;
}
