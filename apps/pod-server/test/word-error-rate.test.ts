/** Word error rate. */
import { describe, expect, it } from "vitest";
import { wordErrorRate } from "../src/studio/word-error-rate.js";

describe("word error rate", () => {
  it("ignores case, punctuation and quotation marks, not a word's own apostrophe", () => {
    expect(wordErrorRate("Can you recommend a good book?", `"'Can you recommend a good book?'`)).toBe(0);
    expect(wordErrorRate("What's the weather like?", "what's the weather like")).toBe(0);
    expect(wordErrorRate("What's the weather like?", "What is the weather like?")).toBe(0.5);
  });

  it("counts substitutions, insertions and deletions over the reference's length", () => {
    expect(wordErrorRate("Why is the sky blue?", "Why is this sky blue?")).toBeCloseTo(0.2);
    expect(wordErrorRate("Tell me a joke.", "Tell me a joke please now")).toBe(0.5);
    expect(wordErrorRate("Tell me a joke.", "")).toBe(1);
  });
});
