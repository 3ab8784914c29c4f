/** Whether a transcript ends a sentence, for the end of a turn. */
import { describe, expect, it } from "vitest";
import { sentenceCompleteness } from "../src/session/sentence-completeness.js";

describe("sentence completeness", () => {
  it("calls questions and full sentences finished", () => {
    expect(sentenceCompleteness("What time is it?", "en")).toBe("finished");
    expect(sentenceCompleteness("Tell me a joke.", "en")).toBe("finished");
    expect(sentenceCompleteness("Stop!", "en")).toBe("finished");
  });

  it("calls a sentence that stops on a word that cannot end it unfinished, whatever Whisper's full stop says", () => {
    expect(sentenceCompleteness("I went to the shop and.", "en")).toBe("unfinished");
    expect(sentenceCompleteness("Can you tell me about the", "en")).toBe("unfinished");
    expect(sentenceCompleteness("What I want to know is um", "en")).toBe("unfinished");
    expect(sentenceCompleteness("So the thing is,", "en")).toBe("unfinished");
    expect(sentenceCompleteness("Well...", "en")).toBe("unfinished");
  });

  it("is unsure without punctuation or of a lone word, and outside English judges only punctuation", () => {
    expect(sentenceCompleteness("the weather tomorrow in Paris", "en")).toBe("unsure");
    expect(sentenceCompleteness("Okay.", "en")).toBe("unsure");
    expect(sentenceCompleteness("", "en")).toBe("unsure");
    expect(sentenceCompleteness("Quelle heure est-il ?", "fr")).toBe("finished");
    expect(sentenceCompleteness("比如具体一点的，", "zh")).toBe("unfinished");
    expect(sentenceCompleteness("Je voudrais le", "fr")).toBe("unsure");
  });
});
