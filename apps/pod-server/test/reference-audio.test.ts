/** Reference clip checks: length, level, sample rate. */
import { writeWav } from "@fireside/audio";
import { describe, expect, it } from "vitest";
import { decodeReference, measureReference, referenceProblems, sniffContainer } from "../src/studio/reference-audio.js";

const tone = (seconds: number, amp: number, rate = 16000) =>
  Float32Array.from({ length: seconds * rate }, (_, i) => amp * Math.sin(i / 5) * (i % 4000 < 3000 ? 1 : 0.2));

describe("reference clip checks", () => {
  it("sniffs containers from bytes", () => {
    const b = (s: string) => new TextEncoder().encode(s);
    expect(sniffContainer(writeWav(new Float32Array(10), 16000))).toBe("wav");
    expect(sniffContainer(b("fLaC...."))).toBe("flac");
    expect(sniffContainer(b("OggS...."))).toBe("ogg");
    expect(sniffContainer(b("ID3....."))).toBe("mp3");
    expect(sniffContainer(b("....ftypM4A "))).toBe("mp4");
    expect(sniffContainer(b("hello world"))).toBe("unknown");
  });
  it("passes a clean clip and names each problem of bad ones", async () => {
    const ok = measureReference(await decodeReference(writeWav(tone(5, 0.3), 16000)));
    expect(referenceProblems(ok)).toEqual([]);
    const clipped = measureReference(await decodeReference(writeWav(tone(5, 3), 16000)));
    expect(referenceProblems(clipped).join()).toMatch(/clipped/);
    const quiet = measureReference(await decodeReference(writeWav(tone(5, 0.02), 16000)));
    expect(referenceProblems(quiet).join()).toMatch(/too quiet/);
    const long = measureReference(await decodeReference(writeWav(tone(31, 0.3), 16000)));
    expect(referenceProblems(long).join()).toMatch(/too long/);
    const lowRate = measureReference(await decodeReference(writeWav(tone(5, 0.3, 8000), 8000)));
    expect(referenceProblems(lowRate).join()).toMatch(/8000 Hz is below 16000/);
    expect(lowRate.durationMs).toBe(5000);
  });
});
