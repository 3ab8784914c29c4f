/** PCM conversion, framing, WAV and the playout queue. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AudioFormatError,
  Framer,
  floatToInt16,
  frameSamples,
  int16ToFloat,
  PlayoutQueue,
  peak,
  readWav,
  rms,
  writeWav,
} from "../src/index.js";

describe("PCM conversion", () => {
  it("int16 → float → int16 is lossless", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 })), (a) => {
        const pcm = Int16Array.from(a);
        expect(Array.from(floatToInt16(int16ToFloat(pcm)))).toEqual(a);
      }),
    );
  });
  it("clips out-of-range floats instead of wrapping", () => {
    expect(Array.from(floatToInt16(Float32Array.of(2, -2, 1, -1)))).toEqual([32767, -32768, 32767, -32768]);
  });
});

describe("framing", () => {
  it("computes 20/30/32 ms frame sizes and refuses fractional ones", () => {
    expect(frameSamples(16000, 20)).toBe(320);
    expect(frameSamples(16000, 30)).toBe(480);
    expect(frameSamples(16000, 32)).toBe(512);
    expect(frameSamples(48000, 20)).toBe(960);
    expect(() => frameSamples(22050, 30)).toThrow(RangeError);
  });
  it("re-frames any chunking into the same sample sequence", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 30 }), fc.integer({ min: 1, max: 512 }), (sizes, frame) => {
        const framer = Framer.float32(frame);
        let n = 0;
        const out: number[] = [];
        for (const s of sizes) {
          const chunk = Float32Array.from({ length: s }, () => n++);
          for (const f of framer.push(chunk)) {
            expect(f.length).toBe(frame);
            out.push(...f);
          }
        }
        expect(out.length + framer.buffered).toBe(n);
        expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
      }),
    );
  });
});

describe("WAV", () => {
  it("write → read round-trips 16-bit mono", () => {
    const pcm = Int16Array.from({ length: 1000 }, (_, i) => (i * 37) % 30000);
    const wav = readWav(writeWav(pcm, 24000));
    expect(wav.sampleRate).toBe(24000);
    expect(wav.channels).toBe(1);
    expect(Array.from(floatToInt16(wav.samples))).toEqual(Array.from(pcm));
  });
  it("reads float32 stereo with extra chunks before data", () => {
    const frames = 10;
    const body = new Uint8Array(12 + 8 + 16 + 8 + 4 + 8 + frames * 8);
    const v = new DataView(body.buffer);
    const put = (o: number, s: string) => {
      for (const [i, c] of [...s].entries()) v.setUint8(o + i, c.charCodeAt(0));
    };
    put(0, "RIFF");
    put(8, "WAVE");
    put(12, "fmt ");
    v.setUint32(16, 16, true);
    v.setUint16(20, 3, true);
    v.setUint16(22, 2, true);
    v.setUint32(24, 48000, true);
    v.setUint16(34, 32, true);
    put(36, "LIST");
    v.setUint32(40, 4, true);
    put(48, "data");
    v.setUint32(52, frames * 8, true);
    for (let i = 0; i < frames * 2; i++) v.setFloat32(56 + i * 4, i / 100, true);
    const wav = readWav(body);
    expect(wav).toMatchObject({ sampleRate: 48000, channels: 2, frames });
    expect(wav.samples[3]).toBeCloseTo(0.03);
  });
  it("refuses what is not a WAV with a typed error", () => {
    expect(() => readWav(new TextEncoder().encode("ID3 this is an mp3"))).toThrow(AudioFormatError);
    expect(() => readWav(new Uint8Array(4))).toThrow(AudioFormatError);
  });
  it("refuses a header cut short, a zero sample rate and zero-bit samples with typed errors, never a RangeError", () => {
    const good = writeWav(new Float32Array(1600), 16000);
    for (let cut = 12; cut < 44; cut++) expect(() => readWav(good.subarray(0, cut)), `cut at ${cut}`).toThrow(AudioFormatError);
    const zeroRate = good.slice();
    new DataView(zeroRate.buffer).setUint32(24, 0, true);
    expect(() => readWav(zeroRate)).toThrow(/sample rate 0 Hz/);
    const zeroBits = good.slice();
    new DataView(zeroBits.buffer).setUint16(34, 0, true);
    expect(() => readWav(zeroBits)).toThrow(AudioFormatError);
  });
});

describe("meters", () => {
  it("measures RMS and peak of a full-scale square wave and silence", () => {
    const sq = Float32Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : -1));
    expect(rms(sq)).toBeCloseTo(1);
    expect(peak(sq)).toBe(1);
    expect(rms(new Float32Array(10))).toBe(0);
    // Ranges from times × rate may be fractional or run past the end: clamped, never NaN.
    expect(rms(sq, 10.7, 1e9)).toBeCloseTo(1);
    expect(peak(sq, -5, 3.5)).toBe(1);
  });
});

describe("playout queue", () => {
  it("waits for the lead, then plays, counting played samples", () => {
    const q = new PlayoutQueue(300);
    const out = new Float32Array(128);
    q.push(new Float32Array(200).fill(0.5));
    q.pull(out);
    expect(q.stats.played).toBe(0);
    expect(peak(out)).toBe(0);
    q.push(new Float32Array(200).fill(0.5));
    q.pull(out);
    expect(q.stats.played).toBe(128);
    expect(peak(out)).toBe(0.5);
  });
  it("counts an underrun and rebuffers; end() plays out the tail", () => {
    const q = new PlayoutQueue(100);
    const out = new Float32Array(128);
    q.push(new Float32Array(150).fill(0.1));
    q.pull(out);
    q.pull(out);
    expect(q.stats.underruns).toBe(1);
    expect(q.stats.played).toBe(150);
    q.push(new Float32Array(50).fill(0.1));
    q.end();
    q.pull(out);
    expect(q.stats.played).toBe(200);
    expect(q.drained).toBe(true);
  });
  it("stops reporting playing once the ended stream has drained (a finished reply is not audible)", () => {
    const q = new PlayoutQueue(0);
    q.push(new Float32Array(200));
    q.pull(new Float32Array(128));
    expect(q.stats.playing).toBe(true);
    q.end();
    q.pull(new Float32Array(128));
    expect(q.drained).toBe(true);
    expect(q.stats.playing).toBe(false);
  });
  it("clear() stops at once and reports what was heard", () => {
    const q = new PlayoutQueue(0);
    q.push(new Float32Array(1000));
    q.pull(new Float32Array(256));
    expect(q.clear()).toBe(256);
    expect(q.stats.buffered).toBe(0);
  });
});
