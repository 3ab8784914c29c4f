/** Uploaded clips decoded under bounds: past the time, the memory or the decoded size sox is killed and the upload refused, typed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav, writeWav } from "@fireside/audio";
import { ProtocolError } from "@fireside/protocol";
import { describe, expect, it } from "vitest";
import { DEFAULT_DECODE_BOUNDS, soxToWav } from "../src/studio/bounded-decode.js";

/** `seconds` of a 48 kHz stereo tone as FLAC, made by sox. */
function flac(seconds: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "decode-"));
  const samples = Float32Array.from({ length: seconds * 48000 * 2 }, (_, i) => 0.3 * Math.sin(i / 7));
  writeFileSync(join(dir, "in.wav"), writeWav(samples, 48000, 2));
  execFileSync("sox", [join(dir, "in.wav"), join(dir, "out.flac")]);
  return readFileSync(join(dir, "out.flac"));
}

async function refusal(p: Promise<unknown>): Promise<ProtocolError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  return err as ProtocolError;
}

describe("bounded decoding of uploads", () => {
  const clip = flac(10);

  it("decodes a real clip within the default bounds, cut at the seconds asked", async () => {
    const wav = readWav(await soxToWav(clip, "flac", 4));
    expect(wav.sampleRate).toBe(48000);
    expect(wav.frames).toBe(4 * 48000);
  });

  it("refuses a clip that decodes to more than the output bound", async () => {
    const err = await refusal(soxToWav(clip, "flac", 31, { ...DEFAULT_DECODE_BOUNDS, maxOutputBytes: 100_000 }));
    expect(err.code).toBe("E_AUDIO_FORMAT");
    expect(err.message).toMatch(/more audio than a reference clip can hold/);
  });

  it("refuses a decode that runs past its time", async () => {
    const err = await refusal(soxToWav(clip, "flac", 31, { ...DEFAULT_DECODE_BOUNDS, timeoutMs: 1 }));
    expect(err.code).toBe("E_AUDIO_FORMAT");
    expect(err.message).toMatch(/took longer than/);
  });

  it("refuses a decode that needs more memory than it may map", async () => {
    const err = await refusal(soxToWav(clip, "flac", 31, { ...DEFAULT_DECODE_BOUNDS, memoryKiB: 4096 }));
    expect(err.code).toBe("E_AUDIO_FORMAT");
  });
});
