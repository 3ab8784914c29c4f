/**
 * In-browser benchmarks (bench/src/desktop.ts drives this page in Chromium): Silero v5 cost per
 * 32 ms frame in onnxruntime-web (the model, WASM and thread settings the app's VAD uses), and the
 * cost of turning one VAD frame into wire frames (the app's part of capture-to-send).
 */
import { Framer, floatToInt16 } from "@fireside/audio";
import { AudioCodec, encodeAudioFrame, FrameKind } from "@fireside/protocol";
import * as ort from "onnxruntime-web/wasm";

async function run() {
  const base = new URL("./vad/", document.baseURI).href;
  ort.env.wasm.wasmPaths = base;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(`${base}silero_vad_v5.onnx`);
  // 20 s of a voiced-like signal (harmonics with a syllable envelope) at 16 kHz.
  const n = 16000 * 20;
  const audio = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * 4 * i) / 16000);
    audio[i] = env * 0.3 * (Math.sin((2 * Math.PI * 150 * i) / 16000) + 0.5 * Math.sin((2 * Math.PI * 300 * i) / 16000));
  }
  const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);
  let state: ort.Tensor = new ort.Tensor("float32", new Float32Array(256), [2, 1, 128]);
  let speechFrames = 0;
  const t0 = performance.now();
  for (let i = 0; i + 512 <= n; i += 512) {
    const input = new Float32Array(576);
    input.set(audio.subarray(Math.max(0, i - 64), i), 64 - Math.min(64, i));
    input.set(audio.subarray(i, i + 512), 64);
    const out = await session.run({ input: new ort.Tensor("float32", input, [1, 576]), state, sr });
    state = out.stateN as ort.Tensor;
    if ((out.output!.data as Float32Array)[0]! > 0.5) speechFrames++;
  }
  const vadMs = performance.now() - t0;
  const frames = Math.floor(n / 512);

  const framer = Framer.int16(320);
  let seq = 0;
  const t1 = performance.now();
  for (let i = 0; i + 512 <= n; i += 512) {
    for (const f of framer.push(floatToInt16(audio.subarray(i, i + 512)))) {
      encodeAudioFrame({
        kind: FrameKind.InputAudio,
        codec: AudioCodec.PcmS16le,
        last: false,
        streamId: 1,
        seq: seq++,
        sampleRate: 16000,
        sampleOffset: 0,
        samples: f,
      });
    }
  }
  const sendMs = performance.now() - t1;
  return {
    vadMsPerFrame: vadMs / frames,
    vadRealTimeFactor: vadMs / 20_000,
    framesToWireMsPerFrame: sendMs / frames,
    /** Capture → send for one frame: the 32 ms the VAD worklet buffers, plus inference, plus framing/encoding. */
    captureToSendMs: 32 + vadMs / frames + sendMs / frames,
    frames,
    speechFrames,
    userAgent: navigator.userAgent,
  };
}

(window as unknown as { runBench: typeof run }).runBench = run;
document.body.dataset.ready = "1";
