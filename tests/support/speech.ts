/** Test speech made at test time (espeak-ng, flite) and word error rate. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";

const work = mkdtempSync(join(tmpdir(), "fireside-speech-"));
let n = 0;

/** Speaks `text` and returns mono float samples at `rate`, with silence before and after. */
export function synthesize(
  text: string,
  opts: {
    rate: number;
    voice?: "espeak" | "flite";
    padBefore?: number;
    padAfter?: number;
    espeakVoice?: string;
    /** sox's dither from its fixed seed (`-R`): the same samples on every run, for a model that hears the noise floor. */
    repeatable?: boolean;
  },
): Float32Array {
  const raw = join(work, `s${n}.wav`);
  const out = join(work, `s${n++}-${opts.rate}.wav`);
  if (opts.voice === "flite") execFileSync("flite", ["-voice", "slt", "-t", text, "-o", raw]);
  else execFileSync("espeak-ng", ["-v", opts.espeakVoice ?? "en-us", "-s", "150", "-w", raw, text]);
  // sox, not our resampler, so a resampler bug cannot hide in the test's own input.
  execFileSync("sox", [
    ...(opts.repeatable ? ["-R"] : []),
    raw,
    "-r",
    String(opts.rate),
    "-c",
    "1",
    "-b",
    "16",
    out,
    "pad",
    String(opts.padBefore ?? 1),
    String(opts.padAfter ?? 1.5),
  ]);
  return readWav(readFileSync(out)).samples;
}

/** Decodes any sox-readable file (FLAC clips) to mono float at `rate`. */
export function loadClip(path: string, rate: number, padAfter = 1.5): Float32Array {
  const out = join(work, `c${n++}.wav`);
  execFileSync("sox", [path, "-r", String(rate), "-c", "1", "-b", "16", out, "pad", "0.5", String(padAfter)]);
  return readWav(readFileSync(out)).samples;
}

export const SHARED_AUDIO = new URL("../../../shared/audio/", import.meta.url).pathname;
export const hasSharedAudio = existsSync(join(SHARED_AUDIO, "en_S1.flac"));
/**
 * Tests that need the real speech clips skip where ../shared/audio is absent (a fresh clone), with
 * this message; under CI, which always has it, they run and fail loudly if it is missing.
 */
export const skipWithoutSharedAudio = !hasSharedAudio && !process.env.CI;
if (skipWithoutSharedAudio) {
  console.warn(`SKIPPED: tests that need real speech clips (${SHARED_AUDIO} is missing beside this checkout; CI has it)`);
}

export { wordErrorRate } from "@fireside/pod-server";

/**
 * A microphone's script as a 48 kHz WAV file (for Chromium's fake capture): each string is spoken
 * by espeak-ng, each number is that many seconds of silence.
 */
export function micScript(parts: (string | number)[]): string {
  const files = parts.map((part) => {
    const out = join(work, `m${n++}.wav`);
    if (typeof part === "number") {
      execFileSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", out, "trim", "0", String(part)]);
    } else {
      const raw = join(work, `m${n++}.raw.wav`);
      execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", raw, part]);
      execFileSync("sox", [raw, "-r", "48000", "-c", "1", "-b", "16", out]);
    }
    return out;
  });
  const out = join(work, `mic${n++}.wav`);
  execFileSync("sox", [...files, out]);
  return out;
}
