/**
 * Records a reference clip from the microphone: MediaRecorder for capture, then the browser's own
 * decoder to samples, so the pod receives a plain WAV (never WebM). Processing is off: a voice
 * reference should be the voice, not the noise suppressor's idea of it.
 */
import { downmixToMono, rms, writeWav } from "@fireside/audio";

export interface Recording {
  samples: Float32Array;
  sampleRate: number;
}

export class ClipRecorder {
  private constructor(
    private readonly stream: MediaStream,
    private readonly recorder: MediaRecorder,
    private readonly ctx: AudioContext,
    private readonly analyser: AnalyserNode,
    private readonly chunks: Blob[],
  ) {}

  static async start(deviceId?: string): Promise<ClipRecorder> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
      },
    });
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const chunks: Blob[] = [];
    const recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.start(250);
    return new ClipRecorder(stream, recorder, ctx, analyser, chunks);
  }

  /** Current input level (RMS, 0..1) for the meter. */
  level(): number {
    const buf = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(buf);
    return rms(buf);
  }

  async stop(): Promise<Recording> {
    const done = new Promise<void>((r) => {
      this.recorder.onstop = () => r();
    });
    this.recorder.stop();
    await done;
    for (const t of this.stream.getTracks()) t.stop();
    const encoded = await new Blob(this.chunks).arrayBuffer();
    const decoded = await this.ctx.decodeAudioData(encoded);
    await this.ctx.close();
    const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
    const interleaved = new Float32Array(decoded.length * channels.length);
    for (let i = 0; i < decoded.length; i++)
      for (let c = 0; c < channels.length; c++) interleaved[i * channels.length + c] = channels[c]![i]!;
    return { samples: downmixToMono(interleaved, channels.length), sampleRate: decoded.sampleRate };
  }
}

/** The part of a recording between `startS` and `endS`, as a WAV file. */
export function trimToWav(rec: Recording, startS: number, endS: number, name = "recording.wav"): File {
  const a = Math.max(0, Math.floor(startS * rec.sampleRate));
  const b = Math.min(rec.samples.length, Math.floor(endS * rec.sampleRate));
  return new File([writeWav(rec.samples.subarray(a, Math.max(a, b)), rec.sampleRate) as BlobPart], name, { type: "audio/wav" });
}
