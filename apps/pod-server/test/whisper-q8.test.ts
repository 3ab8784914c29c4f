/** Whisper's CTranslate2 to ggml q8_0 conversion. */
import { describe, expect, it } from "vitest";
import { floatToHalf, quantizeQ8_0 } from "../src/models/whisper-ct2-to-ggml.js";

const halves = (xs: number[]) => {
  const b = Buffer.alloc(xs.length * 2);
  for (const [i, x] of xs.entries()) b.writeUInt16LE(floatToHalf(x), i * 2);
  return b;
};

describe("Whisper q8_0 conversion", () => {
  it("rounds floats to IEEE halves as ggml does", () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
  it("stores 32 values as one scale and 32 bytes, within half a step of each value", () => {
    const xs = Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7) * (i < 32 ? 0.05 : 3));
    const q = quantizeQ8_0(halves(xs));
    expect(q.length).toBe(2 * 34);
    for (let b = 0; b < 2; b++) {
      const scale = new Float32Array(1);
      // decode the float16 scale
      const h = q.readUInt16LE(b * 34);
      scale[0] = (h & 0x8000 ? -1 : 1) * 2 ** (((h >> 10) & 0x1f) - 15) * (1 + (h & 0x3ff) / 1024);
      for (let j = 0; j < 32; j++) {
        const x = xs[b * 32 + j]!;
        expect(Math.abs(q.readInt8(b * 34 + 2 + j) * scale[0]! - x)).toBeLessThanOrEqual(scale[0]! * 0.51 + 1e-3 * Math.abs(x));
      }
    }
    expect(Math.max(...Array.from({ length: 32 }, (_, j) => Math.abs(q.readInt8(34 + 2 + j))))).toBe(127);
    expect(() => quantizeQ8_0(halves([1, 2, 3]))).toThrow(/multiple of 32/);
  });
});
