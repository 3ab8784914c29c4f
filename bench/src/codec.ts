/** Throughput of the protocol codecs and the resampler (pure CPU, no I/O). */
import { resample } from "@fireside/audio";
import { clientMessageDocs, decodeAudioFrame, encodeAudioFrame, encodeMessage, parseClientMessage } from "@fireside/protocol";

function rate(fn: () => void, minMs = 1000): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  return Math.round((n * 1000) / (performance.now() - t0));
}

export function benchCodec() {
  const frame = {
    kind: 1 as const,
    codec: 1 as const,
    last: false,
    streamId: 1,
    seq: 1,
    sampleRate: 16000 as const,
    sampleOffset: 0,
    samples: new Int16Array(320),
  };
  const bytes = encodeAudioFrame(frame);
  const hello = encodeMessage(clientMessageDocs["session.hello"].example);
  const interrupt = encodeMessage(clientMessageDocs["response.interrupt"].example);
  const second = Float32Array.from({ length: 48000 }, (_, i) => Math.sin(i / 10));
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) resample(second, 48000, 16000);
  const resample48to16 = 10_000 / (performance.now() - t0);
  const t1 = performance.now();
  const speech24 = second.subarray(0, 24000);
  for (let i = 0; i < 10; i++) resample(speech24, 24000, 48000);
  const resample24to48 = 10_000 / (performance.now() - t1);
  return {
    audioFrameEncodePerSec: rate(() => encodeAudioFrame(frame)),
    audioFrameDecodePerSec: rate(() => decodeAudioFrame(bytes)),
    frame: "20 ms of 16 kHz PCM16 (660 bytes)",
    helloParsePerSec: rate(() => parseClientMessage(hello)),
    interruptParsePerSec: rate(() => parseClientMessage(interrupt)),
    resampler48kTo16kTimesRealtime: Math.round(resample48to16),
    resampler24kTo48kTimesRealtime: Math.round(resample24to48),
  };
}
