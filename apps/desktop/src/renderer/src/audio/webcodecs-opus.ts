/**
 * Opus in the app through WebCodecs (Chromium and Electron ship libopus): the microphone's 20 ms
 * PCM frames become Opus packets at 24 kbit/s, and the reply's packets become PCM again. Either
 * direction falls back to PCM when the runtime cannot code it (checked once, before the hello).
 */
import { floatToInt16, Resampler } from "@fireside/audio";

const UPLINK = { codec: "opus", sampleRate: 16000, numberOfChannels: 1, bitrate: 24_000 } as const;
/** 20 ms at 16 kHz. */
const FRAME = 320;

function padTo(samples: Int16Array, n: number): Int16Array {
  const out = new Int16Array(n);
  out.set(samples.subarray(0, n));
  return out;
}
const DOWNLINK = { codec: "opus", sampleRate: 24000, numberOfChannels: 1 } as const;

export interface OpusSupport {
  input: boolean;
  output: boolean;
}

export async function opusSupport(): Promise<OpusSupport> {
  const check = async (f: () => Promise<{ supported?: boolean }>) => {
    try {
      return (await f()).supported === true;
    } catch {
      return false;
    }
  };
  return {
    input: typeof AudioEncoder !== "undefined" && (await check(() => AudioEncoder.isConfigSupported(UPLINK))),
    output: typeof AudioDecoder !== "undefined" && (await check(() => AudioDecoder.isConfigSupported(DOWNLINK))),
  };
}

/**
 * 16 kHz PCM16 frames in, Opus packets out (in order), each with the samples it stands for.
 * Encoding is asynchronous: `pending` counts frames not yet out, so the caller can hold a commit
 * until the audio before it has gone.
 */
export class OpusUplink {
  private readonly encoder: AudioEncoder;
  private timestampUs = 0;
  pending = 0;

  constructor(onPacket: (packet: Uint8Array, samples: number) => void, onError: (err: Error) => void) {
    this.encoder = new AudioEncoder({
      output: (chunk) => {
        const packet = new Uint8Array(chunk.byteLength);
        chunk.copyTo(packet);
        this.pending = Math.max(0, this.pending - 1);
        onPacket(packet, FRAME);
      },
      error: (e) => onError(e instanceof Error ? e : new Error(String(e))),
    });
    this.encoder.configure({ ...UPLINK, opus: { frameDuration: 20_000 } } as AudioEncoderConfig);
  }

  encode(samples: Int16Array): void {
    // Whole 20 ms frames only, so every frame comes out as one packet (a short last frame is padded).
    const pcm = samples.length === FRAME ? samples : padTo(samples, FRAME);
    this.pending++;
    const data = new AudioData({
      format: "s16",
      sampleRate: UPLINK.sampleRate,
      numberOfChannels: 1,
      numberOfFrames: pcm.length,
      timestamp: this.timestampUs,
      data: pcm as Int16Array<ArrayBuffer>,
    });
    this.timestampUs += (pcm.length * 1e6) / UPLINK.sampleRate;
    this.encoder.encode(data);
    data.close();
  }

  close(): void {
    if (this.encoder.state !== "closed") this.encoder.close();
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
