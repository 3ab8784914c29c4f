/**
 * The microphone with local voice-activity detection: Silero v5 through @ricky0123/vad-web, its
 * model and onnxruntime's WASM served from the app bundle (./vad/), never from a CDN.
 */
import { MicVAD } from "@ricky0123/vad-web";

export interface MicCallbacks {
  /** Every 32 ms frame, 512 samples at 16 kHz, with its speech probability. */
  onFrame(frame: Float32Array, probability: number): void;
  onSpeechStart(): void;
  /** Speech lasted long enough to be real (not a click or a cough). */
  onSpeechConfirmed(): void;
  onSpeechEnd(): void;
  onMisfire(): void;
}

export interface MicOptions {
  deviceId?: string;
  threshold: number;
  minSilenceMs: number;
}

export async function startMicrophone(opts: MicOptions, cb: MicCallbacks): Promise<MicVAD> {
  const base = new URL("./vad/", document.baseURI).href;
  const vad = await MicVAD.new({
    model: "v5",
    baseAssetPath: base,
    onnxWASMBasePath: base,
    ortConfig: (ort) => {
      ort.env.wasm.numThreads = 1; // no cross-origin isolation needed, and the UI stays responsive
    },
    positiveSpeechThreshold: opts.threshold,
    negativeSpeechThreshold: Math.max(0.05, opts.threshold - 0.15),
    redemptionMs: opts.minSilenceMs,
    minSpeechMs: 250,
    preSpeechPadMs: 300,
    startOnLoad: true,
    getStream: () =>
      navigator.mediaDevices.getUserMedia({
        audio: {
          ...(opts.deviceId ? { deviceId: { exact: opts.deviceId } } : {}),
          channelCount: 1,
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        },
      }),
    onFrameProcessed: (p, frame) => cb.onFrame(frame, p.isSpeech),
    onSpeechStart: () => cb.onSpeechStart(),
    onSpeechRealStart: () => cb.onSpeechConfirmed(),
    onSpeechEnd: () => cb.onSpeechEnd(),
    onVADMisfire: () => cb.onMisfire(),
  });
  return vad;
}
