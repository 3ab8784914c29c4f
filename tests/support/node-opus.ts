/** Opus in Node for the test and bench clients (libopus through @evan/opus, as the pod uses): a microphone's encoder and a reply decoder. */
import { Decoder, Encoder } from "@evan/opus";
import { padToOpusFrame } from "@fireside/audio";
import type { UplinkEncoder } from "@fireside/client";
import { AudioCodec, type AudioFrame, type SampleRate } from "@fireside/protocol";

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** 20 ms packets at `rate`, 24 kbit/s, tuned for voice; a short last frame is padded with silence. */
export function opusMicrophone(rate: SampleRate, bitrate = 24_000): UplinkEncoder {
  const encoder = new Encoder({ channels: 1, sample_rate: rate as OpusRate, application: "voip" });
  encoder.bitrate = bitrate;
  return {
    frameSamples: (rate * 20) / 1000,
    encode: (samples) => encoder.encode(padToOpusFrame(samples, rate)),
  };
}

/** A reply stream's frames as PCM16, PCM passed through and Opus decoded. */
export function replyDecoder(rate: SampleRate): (frame: AudioFrame) => Int16Array {
  let opus: Decoder | null = null;
  return (frame) => {
    if (frame.codec === AudioCodec.PcmS16le) return frame.samples;
    opus ??= new Decoder({ channels: 1, sample_rate: rate as OpusRate });
    // A copy: the decoder may reuse its buffer, and Int16Array needs an even byte offset.
    return new Int16Array(opus.decode(frame.packet).slice().buffer);
  };
}
