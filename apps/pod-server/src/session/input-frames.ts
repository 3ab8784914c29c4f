/**
 * Input audio frames as the client sends them, decoded: the binary frame checked against what hello
 * negotiated (kind, sample rate, codec), decoded to PCM and brought to the pipeline's 16 kHz.
 */
import { int16ToFloat, Resampler } from "@fireside/audio";
import { type CodecName, decodeAudioFrame, FrameKind, ProtocolError, type SampleRate } from "@fireside/protocol";
import { FrameDecoder } from "./audio-codecs.js";

export class InputFrames {
  private readonly decoder: FrameDecoder;
  private readonly resampler: Resampler | null;

  constructor(
    readonly codec: CodecName,
    private readonly sampleRate: SampleRate,
  ) {
    this.decoder = new FrameDecoder(codec, sampleRate);
    this.resampler = sampleRate === 16000 ? null : new Resampler(sampleRate, 16000);
  }

  /** 16 kHz audio from one frame; a ProtocolError for a frame that breaks the negotiation. */
  decode(bytes: Uint8Array): Float32Array {
    const frame = decodeAudioFrame(bytes);
    if (frame.kind !== FrameKind.InputAudio) throw new ProtocolError("E_BAD_FRAME", "clients may send only input audio frames (kind 1)");
    if (frame.sampleRate !== this.sampleRate) {
      throw new ProtocolError("E_AUDIO_FORMAT", `sample rate ${frame.sampleRate} Hz differs from the negotiated ${this.sampleRate} Hz`);
    }
    const audio = int16ToFloat(this.decoder.decode(frame));
    return this.resampler ? this.resampler.process(audio) : audio;
  }
}
