/** espeak-ng phonemes from one running process per voice. */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { createPhonemizer, type Phonemizer, splitClauses } from "../src/engines/tts/espeak-phonemes.js";
import { EngineError } from "../src/engines/types.js";

/** What espeak-ng says when started for each clause on its own (how Piper's own phonemizer works). */
const oneShot = (text: string, voice = "en-us") =>
  splitClauses(text)
    .map(
      (c) =>
        execFileSync("espeak-ng", ["-q", "--ipa", "-v", voice, "--", c.text], { encoding: "utf8" })
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .join(" ") + c.punct,
    )
    .join(" ")
    .normalize("NFD");

const TEXTS = [
  "The capital city of France is Paris.",
  "I'm sorry, I couldn't help it.",
  "Dr. Smith paid $42.50 on 3 May; it's 7:30 now!",
  "Well",
  "What's a joke about the moon?",
  "A very long clause that goes on and on without any punctuation at all because the model forgot to stop and kept adding words to it until it was much longer than a sentence should be",
];

let ph: Phonemizer | null = null;
afterEach(() => ph?.close());

describe("espeak-ng phonemizer (one running process per voice)", () => {
  it("gives the phonemes espeak-ng gives when started for each clause", async () => {
    ph = createPhonemizer("en-us");
    for (const text of TEXTS) expect(await ph.phonemize(text)).toBe(oneShot(text));
  });

  it("answers texts asked for at once in order, each with its own phonemes", async () => {
    ph = createPhonemizer("en-us");
    const answers = await Promise.all(TEXTS.map((t) => ph!.phonemize(t)));
    expect(answers).toEqual(TEXTS.map((t) => oneShot(t)));
  });

  it("cannot be thrown out of step by its marker word or a line break in the text", async () => {
    ph = createPhonemizer("en-us");
    expect(await ph.phonemize("zqzq")).toBe("");
    expect(await ph.phonemize("say ZQZQ twice")).toBe(oneShot("say twice"));
    expect(await ph.phonemize("one line\nand another")).toBe(oneShot("one line and another"));
    // The texts after them still get their own phonemes.
    expect(await ph.phonemize("Hello there.")).toBe(oneShot("Hello there."));
  });

  it("starts espeak-ng again after it dies; the clause it held fails with an engine error", async () => {
    ph = createPhonemizer("en-us");
    expect(await ph.phonemize("Before the crash.")).toBe(oneShot("Before the crash."));
    ph.crashForTest();
    // The next text gets a fresh process (or, caught in the crash, a typed error, never a hang).
    const after = await ph.phonemize("After the crash.").catch((e: unknown) => e);
    if (after instanceof Error) expect(after).toBeInstanceOf(EngineError);
    expect(await ph.phonemize("After the crash.")).toBe(oneShot("After the crash."));
  });

  it("says what is wrong when espeak-ng is missing", async () => {
    ph = createPhonemizer("en-us", "/nonexistent/espeak-ng");
    await expect(ph.phonemize("Hello.")).rejects.toThrow(/espeak-ng failed \(is it installed\?\)/);
  });
});
