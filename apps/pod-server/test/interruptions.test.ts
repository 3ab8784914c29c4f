/** What a voice heard over a reply was, from its words: each rule in session/interruptions.ts. */
import { describe, expect, it } from "vitest";
import { judgeWords } from "../src/session/interruptions.js";

describe("judging a voice over a reply by its words", () => {
  it("backchannels and hums, alone or strung together, in any case and punctuation, let the reply play on", () => {
    for (const text of ["Mm-hmm.", "mhm", "Hmm", "Yeah.", "Yeah, yeah.", "Right.", "Okay!", "Uh-huh, I see.", "Oh, wow.", "got it"])
      expect(judgeWords(text, 600, "en"), text).toBe("backchannel");
  });

  it("no words — nothing, a tag, what Whisper hears in a cough — is a noise", () => {
    for (const text of ["", "  ", "[coughing]", "(laughs)", "*sigh*", "...", "Thank you for watching!"])
      expect(judgeWords(text, 400, "en"), text).toBe("noise");
  });

  it("any word that is not a backchannel makes it a barge-in, however short", () => {
    for (const text of ["Stop.", "Wait", "No.", "Yeah, but why?", "Hold on", "and now the weather", "Thank you, that's enough."])
      expect(judgeWords(text, 600, "en"), text).toBe("barge_in");
  });

  it("the reply's own words coming back through the microphone are an echo; one shared word is not", () => {
    const reply = "Once upon a time, a lighthouse keeper lived with his dog.";
    expect(judgeWords("a lighthouse keeper", 600, "en", reply)).toBe("echo");
    expect(judgeWords("Upon a time.", 600, "en", reply)).toBe("echo");
    expect(judgeWords("Stop, tell me about the dog.", 600, "en", reply)).toBe("barge_in");
    expect(judgeWords("Dog?", 600, "en", reply)).toBe("barge_in");
  });

  it("the session's language has its own backchannels; English ones count everywhere", () => {
    expect(judgeWords("Sí, vale.", 600, "es")).toBe("backchannel");
    expect(judgeWords("D'accord.", 600, "fr")).toBe("backchannel");
    expect(judgeWords("Ja, genau.", 600, "de")).toBe("backchannel");
    expect(judgeWords("okay", 600, "de")).toBe("backchannel");
    expect(judgeWords("Sí, vale.", 600, "en")).toBe("barge_in");
    expect(judgeWords("Espera, ¿qué?", 600, "es")).toBe("barge_in");
  });
});
