/**
 * The microphone's WebAssembly Opus encoder (our glue over libopus's exports), checked by decoding
 * its packets with the pod's decoder (@evan/opus, native): the speech-band signal comes back, at
 * the bitrate asked for, and a short last frame is padded to a whole packet.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Decoder } from "@evan/opus";
import { describe, expect, it } from "vitest";
import { WasmOpusEncoder } from "../src/renderer/src/audio/wasm-opus";

const wasm = readFileSync(createRequire(import.meta.url).resolve("@evan/opus/wasm/opus.wasm"));

/** A vowel-like 16 kHz signal: a 140 Hz voice with formant-ish partials. */
function voice(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / 16000;
    out[i] = Math.round(
      6000 * (Math.sin(2 * Math.PI * 140 * t) + 0.6 * Math.sin(2 * Math.PI * 700 * t) + 0.3 * Math.sin(2 * Math.PI * 1200 * t)),
    );
  }
  return out;
}

/** Best normalised correlation of b against a over lags 0..maxLag (the codec delays its output). */
function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): number {
  let best = 0;
  for (let lag = 0; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i + lag < b.length && i < a.length; i++) {
      ab += a[i]! * b[i + lag]!;
      aa += a[i]! * a[i]!;
      bb += b[i + lag]! * b[i + lag]!;
    }
    best = Math.max(best, ab / Math.sqrt(aa * bb || 1));
  }
  return best;
}

describe("microphone Opus encoder (WebAssembly)", () => {
  it("encodes 20 ms frames that the pod's decoder turns back into the same sound, at about the bitrate asked", async () => {
    const enc = await WasmOpusEncoder.create(16000, 24_000, 20, wasm);
    expect(enc.frameSamples).toBe(320);
    const dec = new Decoder({ channels: 1, sample_rate: 16000 });
    const input = voice(320 * 100); // 2 s
    const decoded: Int16Array[] = [];
    let bytes = 0;
    for (let i = 0; i < input.length; i += 320) {
      const packet = enc.encode(input.subarray(i, i + 320));
      bytes += packet.length;
      const pcm = dec.decode(packet);
      decoded.push(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2));
    }
    const out = new Int16Array(decoded.reduce((n, d) => n + d.length, 0));
    let at = 0;
    for (const d of decoded) {
      out.set(d, at);
      at += d.length;
    }
    expect(out.length).toBe(input.length);
    // Skip the first 100 ms (the encoder warming up). Speech-mode Opus keeps the sound, not the exact
    // waveform: same loudness, and a high correlation once its delay is allowed for (noise scores ~0).
    expect(bestCorrelation(input.subarray(1600, 30_000), out.subarray(1600), 480)).toBeGreaterThan(0.8);
    const rms = (x: Int16Array) => Math.sqrt(x.reduce((n, v) => n + v * v, 0) / x.length);
    expect(rms(out.subarray(1600)) / rms(input.subarray(1600))).toBeGreaterThan(0.7);
    expect(rms(out.subarray(1600)) / rms(input.subarray(1600))).toBeLessThan(1.3);
    const kbps = (bytes * 8) / 2 / 1000;
    expect(kbps).toBeGreaterThan(12);
    expect(kbps).toBeLessThan(30);
    enc.close();
  });

  it("pads a short last frame to a whole packet", async () => {
    const enc = await WasmOpusEncoder.create(16000, 24_000, 20, wasm);
    const dec = new Decoder({ channels: 1, sample_rate: 16000 });
    expect(dec.decode(enc.encode(voice(100))).byteLength).toBe(320 * 2);
    enc.close();
  });
});
