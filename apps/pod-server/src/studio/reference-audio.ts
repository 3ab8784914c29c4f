/**
 * Reference clips for voice cloning: the container is sniffed from the bytes (never the file
 * name), decoded to 16 kHz mono, and measured. A clip is refused with the reasons a person can act
 * on: too short or long, clipped, mostly silent, too quiet, too low a sample rate, two voices.
 */
import { AudioFormatError, downmixToMono, readWav, resample, rms } from "@fireside/audio";
import { ProtocolError, REFERENCE_CLIP } from "@fireside/protocol";
import { soxToWav } from "./bounded-decode.js";
import type { VoiceCount } from "./speaker-count.js";

export type Container = "wav" | "flac" | "ogg" | "mp3" | "mp4" | "webm" | "unknown";

export function sniffContainer(b: Uint8Array): Container {
  const ascii = (o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WAVE") return "wav";
  if (b.length >= 4 && ascii(0, 4) === "fLaC") return "flac";
  if (b.length >= 4 && ascii(0, 4) === "OggS") return "ogg";
  if (b.length >= 3 && (ascii(0, 3) === "ID3" || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0))) return "mp3";
  if (b.length >= 8 && ascii(4, 4) === "ftyp") return "mp4";
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return "webm";
  return "unknown";
}

const ACCEPTED = "WAV, FLAC, Ogg (Vorbis/Opus) or MP3";

const REFERENCE_LIMITS_MAX_S = REFERENCE_CLIP.maxMs / 1000;
/** Decoding stops a little past the longest clip accepted: a 30-minute MP3 costs no more than 31 s of audio. */
const DECODE_LIMIT_S = REFERENCE_LIMITS_MAX_S + 1;

export interface DecodedReference {
  container: Container;
  /** The source was longer than what was decoded (see DECODE_LIMIT_S). */
  truncated: boolean;
  sourceSampleRate: number;
  channels: number;
  /** 16 kHz mono */
  samples: Float32Array;
}

export async function decodeReference(bytes: Uint8Array): Promise<DecodedReference> {
  const container = sniffContainer(bytes);
  if (container === "unknown" || container === "mp4" || container === "webm") {
    throw new ProtocolError(
      "E_AUDIO_FORMAT",
      container === "unknown"
        ? `not an audio file we can read (expected ${ACCEPTED}); the file name does not matter`
        : `${container} audio is not accepted; send ${ACCEPTED}`,
    );
  }
  let wavBytes = bytes;
  if (container !== "wav") wavBytes = await soxToWav(bytes, container === "ogg" ? "ogg" : container, DECODE_LIMIT_S);
  let wav: ReturnType<typeof readWav>;
  try {
    wav = readWav(wavBytes);
  } catch (err) {
    if (err instanceof AudioFormatError) throw new ProtocolError("E_AUDIO_FORMAT", `broken WAV: ${err.message}`);
    throw err;
  }
  // A WAV upload is bounded by the upload size; cut it like the decoded formats.
  const frames = Math.min(wav.frames, DECODE_LIMIT_S * wav.sampleRate);
  const truncated = frames >= DECODE_LIMIT_S * wav.sampleRate;
  const mono = downmixToMono(wav.samples.subarray(0, frames * wav.channels), wav.channels);
  return { container, truncated, sourceSampleRate: wav.sampleRate, channels: wav.channels, samples: resample(mono, wav.sampleRate, 16000) };
}

export interface ReferenceMetrics {
  durationMs: number;
  /** Longer than what was decoded: durationMs is a lower bound. */
  truncated?: boolean;
  sourceSampleRate: number;
  peak: number;
  /** Share of samples at full scale (clipping). */
  clippedRatio: number;
  /** Share of 30 ms frames below -45 dBFS. */
  silenceRatio: number;
  /** Loudness of the non-silent frames, dBFS. */
  speechDbfs: number;
  /** Share of the VAD's frames that hold speech (absent where no VAD ran). */
  speechRatio?: number;
  /** How many voices the speaker encoder hears (absent where no encoder is loaded). */
  voices?: VoiceCount;
}

export const REFERENCE_LIMITS = {
  ...REFERENCE_CLIP,
  maxClippedRatio: 0.001,
  maxSilenceRatio: 0.6,
  minSpeechDbfs: -35,
  /** Real speech clips measure 0.81–0.90, espeak-ng and flite 0.83–0.91; noise and tones 0. */
  minSpeechRatio: 0.3,
  silenceDbfs: -45,
} as const;

export function measureReference(d: DecodedReference): ReferenceMetrics {
  const s = d.samples;
  const frame = 480;
  let silent = 0;
  let frames = 0;
  let speechSq = 0;
  let speechN = 0;
  let clipped = 0;
  let peak = 0;
  for (let i = 0; i < s.length; i++) {
    const a = Math.abs(s[i]!);
    if (a > peak) peak = a;
    if (a >= 0.999) clipped++;
  }
  for (let i = 0; i + frame <= s.length; i += frame) {
    const level = rms(s, i, i + frame);
    frames++;
    if (20 * Math.log10(level || 1e-9) < REFERENCE_LIMITS.silenceDbfs) silent++;
    else {
      speechSq += level * level * frame;
      speechN += frame;
    }
  }
  return {
    durationMs: Math.round((s.length / 16000) * 1000),
    ...(d.truncated ? { truncated: true } : {}),
    sourceSampleRate: d.sourceSampleRate,
    peak,
    clippedRatio: s.length ? clipped / s.length : 0,
    silenceRatio: frames ? silent / frames : 1,
    speechDbfs: speechN ? 20 * Math.log10(Math.sqrt(speechSq / speechN)) : Number.NEGATIVE_INFINITY,
  };
}

/** The reasons a clip cannot be a voice reference; empty when it can. */
export function referenceProblems(m: ReferenceMetrics): string[] {
  const L = REFERENCE_LIMITS;
  const out: string[] = [];
  if (m.durationMs < L.minMs) out.push(`too short: ${(m.durationMs / 1000).toFixed(1)} s (at least ${L.minMs / 1000} s of speech)`);
  if (m.durationMs > L.maxMs)
    out.push(
      `too long: ${m.truncated ? "over " : ""}${(m.durationMs / 1000).toFixed(m.truncated ? 0 : 1)} s (at most ${L.maxMs / 1000} s)`,
    );
  if (m.sourceSampleRate < L.minSampleRate) out.push(`sample rate ${m.sourceSampleRate} Hz is below ${L.minSampleRate} Hz`);
  if (m.silenceRatio >= 0.98) out.push("the clip is silent");
  else {
    if (m.silenceRatio > L.maxSilenceRatio) out.push(`mostly silence: ${Math.round(m.silenceRatio * 100)}% of the clip`);
    if (m.speechDbfs < L.minSpeechDbfs) out.push(`too quiet: speech at ${m.speechDbfs.toFixed(0)} dBFS (at least ${L.minSpeechDbfs} dBFS)`);
  }
  if (m.speechRatio !== undefined && m.speechRatio < L.minSpeechRatio && m.silenceRatio < 0.98) {
    out.push(
      `no speech found: the voice detector heard speech in ${Math.round(m.speechRatio * 100)}% of the clip (at least ${L.minSpeechRatio * 100}%); noise, music or tones cannot be a voice`,
    );
  }
  if (m.voices?.voices === 2) {
    out.push(
      `more than one voice: two groups of the clip sound like different people (similarity ${m.voices.betweenSimilarity?.toFixed(2)}); use a clip of one person speaking`,
    );
  }
  if (m.clippedRatio > L.maxClippedRatio) out.push(`clipped: ${(m.clippedRatio * 100).toFixed(2)}% of samples at full scale`);
  return out;
}
