/** The app's check of a reference clip before it is uploaded. */
import { writeWav } from "@fireside/audio";
import { describe, expect, it } from "vitest";
import { clipProblem, wavSampleRate } from "../src/renderer/src/studio/clip-check";

describe("reference clip check in the app", () => {
  it("explains a clip that is too short, too long, too big, undecodable or too low a rate; passes a good one", () => {
    const clip = { name: "me.wav", size: 300_000 };
    expect(clipProblem(clip, 1200, 16000)).toBe("me.wav is 1.2 s long: a voice needs 3 to 30 s of one person speaking.");
    expect(clipProblem(clip, 45_000, 16000)).toMatch(/45\.0 s long/);
    expect(clipProblem({ name: "huge.wav", size: 200 * 1024 * 1024 }, 10_000, 48000)).toMatch(
      /200 MB: a reference clip must be under 20 MB/,
    );
    expect(clipProblem(clip, null, null)).toMatch(/could not be decoded/);
    expect(clipProblem(clip, 8000, 8000)).toBe("me.wav is recorded at 8000 Hz: a voice needs at least 16000 Hz.");
    expect(clipProblem(clip, 8000, 22050)).toBeNull();
    expect(clipProblem({ name: "a.mp3", size: 90_000 }, 8000, null)).toBeNull();
  });

  it("reads the sample rate from a WAV header, and none from other formats", () => {
    expect(wavSampleRate(writeWav(new Float32Array(10), 22050).subarray(0, 44))).toBe(22050);
    expect(wavSampleRate(new TextEncoder().encode("ID3 this is an mp3 file header....."))).toBeNull();
  });
});
