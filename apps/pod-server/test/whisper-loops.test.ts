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
