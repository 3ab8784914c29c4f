/**
 * Opus in the app through WebCodecs (Chromium and Electron ship libopus): the reply's Opus packets
 * become PCM again; the app falls back to PCM when the runtime cannot decode Opus (checked once,
 * before the hello). The microphone does not use WebCodecs: its encoder answers asynchronously, so
 * a commit had to wait for the utterance's last packets, and in the push-to-talk test that wait
 * sometimes never ended; wasm-opus.ts encodes it synchronously instead.
 */
import { floatToInt16, Resampler } from "@fireside/audio";

const DOWNLINK = { codec: "opus", sampleRate: 24000, numberOfChannels: 1 } as const;

/** Whether the runtime can decode the pod's Opus replies. */
export async function opusDecodeSupported(): Promise<boolean> {
  if (typeof AudioDecoder === "undefined") return false;
  try {
    return (await AudioDecoder.isConfigSupported(DOWNLINK)).supported === true;
  } catch {
    return false;
  }
}

/** Opus packets in, 24 kHz PCM16 out, in order (whatever rate the runtime decodes at). */
export class OpusDownlink {
  private readonly decoder: AudioDecoder;
  private resampler: Resampler | null = null;
  private timestampUs = 0;

  constructor(onPcm: (pcm: Int16Array) => void, onError: (err: Error) => void) {
    this.decoder = new AudioDecoder({
      output: (data) => {
        const f32 = new Float32Array(data.numberOfFrames);
        data.copyTo(f32, { planeIndex: 0, format: "f32-planar" });
        if (data.sampleRate !== DOWNLINK.sampleRate && !this.resampler)
          this.resampler = new Resampler(data.sampleRate, DOWNLINK.sampleRate);
        data.close();
        onPcm(floatToInt16(this.resampler ? this.resampler.process(f32) : f32));
      },
      error: (e) => onError(e instanceof Error ? e : new Error(String(e))),
    });
    this.decoder.configure(DOWNLINK);
  }

  decode(packet: Uint8Array, durationUs: number): void {
    this.decoder.decode(
      new EncodedAudioChunk({ type: "key", timestamp: this.timestampUs, duration: durationUs, data: packet as Uint8Array<ArrayBuffer> }),
    );
    this.timestampUs += durationUs;
  }

  close(): void {
    if (this.decoder.state !== "closed") this.decoder.close();
  }
}
