/** Whisper's repeated phrases kept once. */
import { describe, expect, it } from "vitest";
import { asrTokenBudget } from "../src/engines/asr/decode-budget.js";
import { collapseRepeatedTail } from "../src/engines/asr/whisper-loops.js";

describe("Whisper loops", () => {
  it("keeps one copy of a phrase the decoder repeated", () => {
    expect(collapseRepeatedTail("Tell me a joke Tell me a joke Tell me a joke")).toBe("Tell me a joke");
    // Cut off mid-copy by the token budget: still one copy.
    expect(collapseRepeatedTail("Tell me a joke. Tell me a joke. Tell me a joke. Tell me")).toBe("Tell me a joke.");
    expect(collapseRepeatedTail("What is this? I mean, I mean, I mean, I mean,")).toBe("What is this? I mean,");
    expect(collapseRepeatedTail("and and and and and")).toBe("and");
  });
  it("keeps one copy of a question read twice from audio too short to hold both", () => {
    // 8 words from 2 s of audio (with its pre-roll and trailing silence): more than anyone says.
    expect(collapseRepeatedTail("Why do cats purr? Why do cats purr?", 2)).toBe("Why do cats purr?");
    expect(collapseRepeatedTail("Set a timer for 10 minutes Set a timer for 10 minutes", 2.3)).toBe("Set a timer for 10 minutes");
    // Said twice over the time it takes to say it twice: kept.
    expect(collapseRepeatedTail("Are you there? Are you there?", 2.2)).toBe("Are you there? Are you there?");
    // Without the audio's length, two copies are not a loop.
    expect(collapseRepeatedTail("Why do cats purr? Why do cats purr?")).toBe("Why do cats purr? Why do cats purr?");
    // A short phrase twice ("Bye bye", "Thank you thank you") is how people talk, however fast.
    expect(collapseRepeatedTail("Thank you, thank you.", 0.6)).toBe("Thank you, thank you.");
  });
  it("leaves real repetition alone", () => {
    for (const t of ["No, no, no.", "Very very good.", "I said yes, yes I did.", "Bye bye.", "It is what it is."])
      expect(collapseRepeatedTail(t)).toBe(t);
  });
  it("lets a fast talker's sentence through but bounds a loop", () => {
    // 3 s at 5 words a second with ~1.4 tokens a word: ~21 tokens, and punctuation.
    expect(asrTokenBudget(3 * 16000)).toBeGreaterThanOrEqual(30);
    // A 2 s question may not decode Whisper's 224-token maximum.
    expect(asrTokenBudget(2 * 16000)).toBeLessThan(30);
  });
});
