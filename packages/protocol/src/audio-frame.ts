/**
 * Binary audio frames: a fixed 20-byte little-endian header, then raw samples or one Opus packet.
 * Audio never goes through base64 JSON.
 *
 *  offset size field
 *   0     1    kind          1 = input audio (client → server), 2 = output audio (server → client)
 *   1     1    codec         1 = pcm_s16le, 2 = opus (the payload is one Opus packet)
 *   2     2    flags         bit 0: last frame of its stream
 *   4     4    streamId      input: the client's utterance counter; output: response's streamId
 *   8     4    seq           frame counter within the stream, from 0
 *  12     4    sampleRate    Hz, one of SAMPLE_RATES
 *  16     4    sampleOffset  index of the first sample within its stream
 *  20     …    payload       mono samples
 */
import { ProtocolError } from "./errors.js";
import { LIMITS, SAMPLE_RATES, type SampleRate } from "./limits.js";

export const AUDIO_HEADER_BYTES = 20;

export const FrameKind = { InputAudio: 1, OutputAudio: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const AudioCodec = { PcmS16le: 1, Opus: 2 } as const;
export type AudioCodec = (typeof AudioCodec)[keyof typeof AudioCodec];
/** Names used in JSON messages for the same codecs. */
export const CODEC_NAMES = { 1: "pcm_s16le", 2: "opus" } as const satisfies Record<AudioCodec, string>;
export type CodecName = (typeof CODEC_NAMES)[AudioCodec];
/** Sample rates Opus codes at; an Opus stream must use one of them. */
export const OPUS_SAMPLE_RATES = [8000, 12000, 16000, 24000, 48000] as const;

const FLAG_LAST = 1;
/** Typed arrays use the platform's byte order; the wire is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

interface AudioFrameHeader {
  kind: FrameKind;
  last: boolean;
  streamId: number;
  seq: number;
  sampleRate: SampleRate;
  /** The frame's first sample within its stream: the media timestamp receivers measure jitter and loss by. */
  sampleOffset: number;
}

export type AudioFrame = AudioFrameHeader &
  (
    | {
        codec: typeof AudioCodec.PcmS16le;
        /** PCM16 samples. */
        samples: Int16Array;
      }
    | {
        codec: typeof AudioCodec.Opus;
        /** One Opus packet (decoded by the receiver's Opus decoder at the stream's rate). */
        packet: Uint8Array;
      }
  );

const KINDS = new Set<number>(Object.values(FrameKind));
const CODECS = new Set<number>(Object.values(AudioCodec));
const RATES = new Set<number>(SAMPLE_RATES);

export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const payloadBytes = frame.codec === AudioCodec.Opus ? frame.packet.byteLength : frame.samples.length * 2;
  if (payloadBytes > LIMITS.maxAudioPayloadBytes) {
    throw new ProtocolError("E_FRAME_TOO_LARGE", `audio payload ${payloadBytes} B exceeds ${LIMITS.maxAudioPayloadBytes} B`);
  }
  const out = new Uint8Array(AUDIO_HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  view.setUint8(0, frame.kind);
  view.setUint8(1, frame.codec);
  view.setUint16(2, frame.last ? FLAG_LAST : 0, true);
  view.setUint32(4, frame.streamId >>> 0, true);
  view.setUint32(8, frame.seq >>> 0, true);
  view.setUint32(12, frame.sampleRate, true);
  view.setUint32(16, frame.sampleOffset >>> 0, true);
  if (frame.codec === AudioCodec.Opus) out.set(frame.packet, AUDIO_HEADER_BYTES);
  else if (LITTLE_ENDIAN) new Int16Array(out.buffer, AUDIO_HEADER_BYTES, frame.samples.length).set(frame.samples);
  else for (let i = 0; i < frame.samples.length; i++) view.setInt16(AUDIO_HEADER_BYTES + i * 2, frame.samples[i]!, true);
  return out;
}

/**
 * Decodes and validates one binary frame; throws ProtocolError with a precise code on bad input.
 * The samples or packet share `bytes`' memory (copy them to keep them past a change to it).
 */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (bytes.byteLength < AUDIO_HEADER_BYTES) {
    throw new ProtocolError("E_BAD_FRAME", `binary frame of ${bytes.byteLength} B is shorter than the ${AUDIO_HEADER_BYTES}-byte header`);
  }
  const payloadBytes = bytes.byteLength - AUDIO_HEADER_BYTES;
  if (payloadBytes > LIMITS.maxAudioPayloadBytes) {
    throw new ProtocolError("E_FRAME_TOO_LARGE", `audio payload ${payloadBytes} B exceeds ${LIMITS.maxAudioPayloadBytes} B`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (!KINDS.has(kind)) throw new ProtocolError("E_BAD_FRAME", `unknown frame kind ${kind}`);
  const codec = view.getUint8(1);
  if (!CODECS.has(codec)) throw new ProtocolError("E_BAD_FRAME", `unknown audio codec ${codec}`);
  const flags = view.getUint16(2, true);
  if (flags & ~FLAG_LAST) throw new ProtocolError("E_BAD_FRAME", `unknown flag bits 0x${flags.toString(16)}`);
  const sampleRate = view.getUint32(12, true);
  if (!RATES.has(sampleRate)) {
    throw new ProtocolError("E_AUDIO_FORMAT", `sample rate ${sampleRate} Hz is not one of ${SAMPLE_RATES.join(", ")}`);
  }
  const start = bytes.byteOffset + AUDIO_HEADER_BYTES;
  const kindOf = kind as FrameKind;
  const last = (flags & FLAG_LAST) !== 0;
  const streamId = view.getUint32(4, true);
  const seq = view.getUint32(8, true);
  const sampleOffset = view.getUint32(16, true);
  const rate = sampleRate as SampleRate;
  if (codec === AudioCodec.Opus) {
    if (payloadBytes === 0) throw new ProtocolError("E_BAD_FRAME", "an opus frame carries no packet");
    if (!(OPUS_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
      throw new ProtocolError("E_AUDIO_FORMAT", `opus does not code at ${sampleRate} Hz (one of ${OPUS_SAMPLE_RATES.join(", ")})`);
    }
    const packet = bytes.subarray(AUDIO_HEADER_BYTES);
    return { kind: kindOf, codec: AudioCodec.Opus, last, streamId, seq, sampleRate: rate, sampleOffset, packet };
  }
  if (payloadBytes % 2 !== 0) throw new ProtocolError("E_BAD_FRAME", `pcm_s16le payload of ${payloadBytes} B is not whole samples`);
  let samples: Int16Array;
  // A view where the bytes allow one: a copy per frame was a tenth of a busy pod's time (an
  // ArrayBuffer allocated for every 20 ms of every microphone). Copied only to align.
  if (LITTLE_ENDIAN && start % 2 === 0) samples = new Int16Array(bytes.buffer, start, payloadBytes / 2);
  else if (LITTLE_ENDIAN) samples = new Int16Array(bytes.buffer.slice(start, start + payloadBytes));
  else {
    samples = new Int16Array(payloadBytes / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(AUDIO_HEADER_BYTES + i * 2, true);
  }
  return { kind: kindOf, codec: AudioCodec.PcmS16le, last, streamId, seq, sampleRate: rate, sampleOffset, samples };
}

/** A frame as PCM: one sent as pcm_s16le, or an Opus frame after the receiver decoded it. */
export type PcmAudioFrame = Extract<AudioFrame, { codec: typeof AudioCodec.PcmS16le }>;

/** A PCM frame's samples; an Opus frame needs an Opus decoder instead (E_AUDIO_FORMAT). */
export function pcmSamples(frame: AudioFrame): Int16Array {
  if (frame.codec !== AudioCodec.PcmS16le)
    throw new ProtocolError("E_AUDIO_FORMAT", "an opus frame has no PCM samples until it is decoded");
  return frame.samples;
}

/** Numbers the frames of one stream (seq, sampleOffset) and encodes them. */
export class AudioStreamEncoder {
  private seq = 0;
  private offset = 0;

  constructor(
    readonly kind: FrameKind,
    readonly streamId: number,
    readonly sampleRate: SampleRate,
  ) {}

  /** `sampleRate` overrides the stream's rate for this frame (tests of rate checking use it). */
  encode(samples: Int16Array, opts: { last?: boolean; sampleRate?: SampleRate } = {}): Uint8Array {
    const bytes = encodeAudioFrame({
      kind: this.kind,
      codec: AudioCodec.PcmS16le,
      last: opts.last ?? false,
      streamId: this.streamId,
      seq: this.seq++,
      sampleRate: opts.sampleRate ?? this.sampleRate,
      sampleOffset: this.offset,
      samples,
    });
    this.offset += samples.length;
    return bytes;
  }

  /** One Opus packet standing for `samples` samples of the stream. */
  encodeOpus(packet: Uint8Array, samples: number, opts: { last?: boolean } = {}): Uint8Array {
    const bytes = encodeAudioFrame({
      kind: this.kind,
      codec: AudioCodec.Opus,
      last: opts.last ?? false,
      streamId: this.streamId,
      seq: this.seq++,
      sampleRate: this.sampleRate,
      sampleOffset: this.offset,
      packet,
    });
    this.offset += samples;
    return bytes;
  }
}
