/** What a voice heard over a reply was, from its words and how long it voiced: each rule in session/interruptions.ts. */
import { describe, expect, it } from "vitest";
import { judgeWords, SHORT_VOICE_MS } from "../src/session/interruptions.js";

const SHORT = SHORT_VOICE_MS - 100;
const LONG = SHORT_VOICE_MS + 100;

describe("judging a voice over a reply by its words", () => {
  it("backchannels and hums, alone or strung together, in any case and punctuation, let the reply play on", () => {
    for (const text of [
      "Mm-hmm.",
      "mhm",
      "Hmm",
      "NMHMM",
      "Yeah.",
      "Yeah, yeah.",
      "Right.",
      "Okay!",
      "Uh-huh, I see.",
      "Oh, wow.",
      "got it",
    ])
      for (const ms of [SHORT, LONG]) expect(judgeWords(text, ms, "en"), text).toBe("backchannel");
  });

  it("no words — nothing, a tag, what Whisper hears in a cough — is a noise", () => {
    for (const text of ["", "  ", "[coughing]", "(laughs)", "*sigh*", "...", "Thank you for watching!"])
      expect(judgeWords(text, LONG, "en"), text).toBe("noise");
  });

  it("a request word makes it a barge-in however short; other words only two or more, once the voice lasts", () => {
    for (const text of ["Stop.", "Wait", "No.", "Yeah, but why?", "Hold on", "Sorry, what?"])
      expect(judgeWords(text, SHORT, "en"), text).toBe("barge_in");
    // A short hum Whisper spelled as words, or a lone word nobody asks for the floor with.
    for (const text of ["Emam Thun", "Paris"]) expect(judgeWords(text, SHORT, "en"), text).toBe("noise");
    for (const text of ["M.M. Thun", "Paris?"]) expect(judgeWords(text, LONG, "en"), text).toBe("noise");
    for (const text of ["and now the weather", "Tell me about the moon", "Thank you, that's enough."])
      expect(judgeWords(text, LONG, "en"), text).toBe("barge_in");
  });

  it("the reply's own words coming back through the microphone are an echo; one shared word is not", () => {
    const reply = "Once upon a time, a lighthouse keeper lived with his dog.";
    expect(judgeWords("a lighthouse keeper", LONG, "en", reply)).toBe("echo");
    expect(judgeWords("Upon a time.", LONG, "en", reply)).toBe("echo");
    expect(judgeWords("Stop, tell me about the dog.", LONG, "en", reply)).toBe("barge_in");
    expect(judgeWords("Dog, please.", LONG, "en", reply)).toBe("barge_in");
  });

  it("the session's language has its own backchannels and requests; English ones count everywhere", () => {
    expect(judgeWords("Sí, vale.", LONG, "es")).toBe("backchannel");
    expect(judgeWords("D'accord.", LONG, "fr")).toBe("backchannel");
    expect(judgeWords("Ja, genau.", LONG, "de")).toBe("backchannel");
    expect(judgeWords("okay", LONG, "de")).toBe("backchannel");
    expect(judgeWords("Sí, vale.", LONG, "en")).toBe("barge_in");
    expect(judgeWords("Espera", SHORT, "es")).toBe("barge_in");
    expect(judgeWords("Warte!", SHORT, "de")).toBe("barge_in");
    expect(judgeWords("Stop!", SHORT, "de")).toBe("barge_in");
  });
});
