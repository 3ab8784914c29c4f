/**
 * The negotiated audio codec of each direction (docs/protocol.md): PCM16 as is, or Opus through
 * @evan/opus (libopus, prebuilt native with a WebAssembly fallback). A decoder and an encoder
 * keep state between packets, so each stream has its own.
 */
import { Decoder, Encoder } from "@evan/opus";
import { padToOpusFrame } from "@fireside/audio";
import {
  AudioCodec,
  type AudioFrame,
  AudioStreamEncoder,
  CODEC_NAMES,
  type CodecName,
  type FrameKind,
  ProtocolError,
  type SampleRate,
} from "@fireside/protocol";

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** Received frames of one stream, as PCM16. */
export class FrameDecoder {
  private readonly opus: Decoder | null;

  constructor(
    readonly codec: CodecName,
    readonly sampleRate: SampleRate,
  ) {
    this.opus = codec === "opus" ? new Decoder({ channels: 1, sample_rate: sampleRate as OpusRate }) : null;
  }

  decode(frame: AudioFrame): Int16Array {
    if (CODEC_NAMES[frame.codec] !== this.codec) {
      throw new ProtocolError("E_AUDIO_FORMAT", `a ${CODEC_NAMES[frame.codec]} frame on a stream negotiated as ${this.codec}`);
    }
    if (frame.codec === AudioCodec.PcmS16le) return frame.samples;
    let bytes: Uint8Array;
    try {
      bytes = this.opus!.decode(frame.packet);
    } catch {
      throw new ProtocolError("E_BAD_FRAME", "the opus packet could not be decoded");
    }
    // A copy: the decoder may reuse its buffer, and Int16Array needs an even byte offset.
    return new Int16Array(bytes.slice().buffer);
  }
}

/** One outgoing stream's PCM16 frames, encoded in the negotiated codec. */
export class FrameEncoder {
  private readonly stream: AudioStreamEncoder;
  private readonly opus: Encoder | null;

  constructor(
    readonly codec: CodecName,
    kind: FrameKind,
    streamId: number,
    readonly sampleRate: SampleRate,
    bitrate: number,
    /** voip for a microphone, audio for synthesised speech (libopus tunes for each). */
    application: "voip" | "audio" = "audio",
  ) {
    this.stream = new AudioStreamEncoder(kind, streamId, sampleRate);
    if (codec === "opus") {
      this.opus = new Encoder({ channels: 1, sample_rate: sampleRate as OpusRate, application });
      this.opus.bitrate = bitrate;
    } else this.opus = null;
  }

  /** Bytes on the wire so far (header and payload), for bitrate figures. */
  bytes = 0;

  encode(samples: Int16Array, last: boolean): Uint8Array {
    let out: Uint8Array;
    if (!this.opus) out = this.stream.encode(samples, { last });
    else {
      // Opus codes whole frames: a short (last) frame is padded with silence; its sampleOffset
      // still counts only the real samples.
      out = this.stream.encodeOpus(this.opus.encode(padToOpusFrame(samples, this.sampleRate)), samples.length, { last });
    }
    this.bytes += out.byteLength;
    return out;
  }
}
