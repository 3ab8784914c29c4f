/**
 * Text → IPA phonemes with the espeak-ng program, as Piper voices were trained on. Each clause is
 * phonemised separately so its punctuation can be kept: Piper voices use it for prosody.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EngineError } from "../types.js";

const run = promisify(execFile);

/** Splits text into clauses, each with the punctuation that ended it. */
export function splitClauses(text: string): { text: string; punct: string }[] {
  const out: { text: string; punct: string }[] = [];
  const re = /([^,.;:!?]+)([,.;:!?]*)/g;
  for (const m of text.matchAll(re)) {
    const body = m[1]!.trim();
    if (body) out.push({ text: body, punct: (m[2] ?? "").slice(0, 1) });
  }
  return out;
}

export async function phonemize(text: string, voice: string, binary = "espeak-ng"): Promise<string> {
  const parts: string[] = [];
  for (const clause of splitClauses(text)) {
    let stdout: string;
    try {
      ({ stdout } = await run(binary, ["-q", "--ipa", "-v", voice, "--", clause.text], { timeout: 10_000 }));
    } catch (err) {
      throw new EngineError("tts", `espeak-ng failed (is it installed?): ${(err as Error).message}`);
    }
    const phonemes = stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join(" ");
    parts.push(phonemes + clause.punct);
  }
  // Piper's phonemizer emits NFD code points; its id map is keyed by those.
  return parts.join(" ").normalize("NFD");
}
