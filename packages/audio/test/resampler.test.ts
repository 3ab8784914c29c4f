/** The band-limited resampler. */
import { describe, expect, it } from "vitest";
import { Resampler, resample, rms } from "../src/index.js";

const sine = (freq: number, rate: number, seconds: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));

/** RMS of the middle half, away from the filter's start-up and tail. */
const midRms = (x: Float32Array) => rms(x, Math.floor(x.length / 4), Math.floor((3 * x.length) / 4));
const db = (x: number) => 20 * Math.log10(x);

describe("band-limited resampler", () => {
  const cases: [number, number][] = [
    [48000, 16000],
    [44100, 16000],
    [24000, 48000],
    [22050, 24000],
  ];

  for (const [from, to] of cases) {
    it(`${from} → ${to}: keeps the length and passes a 1 kHz tone within 0.1 dB`, () => {
      const out = resample(sine(1000, from, 1), from, to);
      expect(out.length).toBe(to);
      expect(Math.abs(db(midRms(out) / (0.5 / Math.SQRT2)))).toBeLessThan(0.1);
    });
  }

  it("48k → 16k: a 10 kHz tone (above the new Nyquist) is attenuated by more than 60 dB, not aliased to 6 kHz", () => {
    const out = resample(sine(10_000, 48000, 1), 48000, 16000);
    expect(db(midRms(out) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  it("44.1k → 16k: a 12 kHz tone is attenuated by more than 60 dB", () => {
    const out = resample(sine(12_000, 44100, 1), 44100, 16000);
    expect(db(midRms(out) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  it("naive decimation would alias: the test tone really is audible when sampled badly", () => {
    const naive = sine(10_000, 48000, 1).filter((_, i) => i % 3 === 0);
    expect(db(midRms(naive) / (0.5 / Math.SQRT2))).toBeGreaterThan(-1);
  });

  it("24k → 48k: upsampling leaves no image of a 5 kHz tone at 19 kHz", () => {
    const out = resample(sine(5000, 24000, 1), 24000, 48000);
    // Project onto the image frequency.
    let re = 0;
    let im = 0;
    for (let i = 0; i < out.length; i++) {
      re += out[i]! * Math.cos((2 * Math.PI * 19000 * i) / 48000);
      im += out[i]! * Math.sin((2 * Math.PI * 19000 * i) / 48000);
    }
    const imageAmp = (2 * Math.hypot(re, im)) / out.length;
    expect(db(imageAmp / 0.5)).toBeLessThan(-60);
  });

  it("streaming in odd-sized chunks gives the same samples as one call", () => {
    const input = sine(440, 44100, 0.5);
    const whole = resample(input, 44100, 16000);
    const r = new Resampler(44100, 16000);
    const parts: number[] = [];
    for (let i = 0; i < input.length; i += 337) parts.push(...r.process(input.subarray(i, i + 337)));
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(parts[i]).toBeCloseTo(whole[i]!, 5);
  });

  it("rejects non-integer rates", () => {
    expect(() => new Resampler(16000.5, 8000)).toThrow(RangeError);
  });
});
