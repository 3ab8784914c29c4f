/** The clause chunker between the LLM and TTS. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClauseChunker } from "../src/pipeline/clause-chunker.js";

const feed = (text: string, step = 3) => {
  const c = new ClauseChunker();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += step) out.push(...c.push(text.slice(i, i + step)));
  out.push(...c.flush());
  return out;
};

describe("clause chunker (LLM → TTS)", () => {
  it("releases the first clause early, then whole sentences", () => {
    expect(feed("Well, the capital of France is Paris, a lovely city. It has many museums, parks and cafés. Enjoy!")).toEqual([
      "Well, the capital of France is Paris,",
      "a lovely city.",
      "It has many museums, parks and cafés.",
      "Enjoy!",
    ]);
  });
  it("ends an unpunctuated first piece where a phrase begins, once it has four words", () => {
    expect(feed("The sky is blue because of a process called Rayleigh scattering. It makes blue light scatter.")).toEqual([
      "The sky is blue",
      "because of a process called Rayleigh scattering.",
      "It makes blue light scatter.",
    ]);
    // A number is read as several words: the first piece ends before it.
    expect(feed("The moon is approximately 2,150 miles away from the earth.")).toEqual([
      "The moon is approximately",
      "2,150 miles away from the earth.",
    ]);
    expect(feed("It is 5 o'clock.")).toEqual(["It is 5 o'clock."]);
    // Too few words before the opener: the piece goes on to a later boundary.
    expect(feed("I am happy to help. Ask me anything.")).toEqual(["I am happy to help.", "Ask me anything."]);
  });
  it("releases a long first piece after nine words at the latest, later pieces only at boundaries", () => {
    expect(feed("Rayleigh scattering makes the daytime sky look mostly blue everywhere today. Sunsets look red instead.")).toEqual([
      "Rayleigh scattering makes the daytime sky look mostly blue",
      "everywhere today.",
      "Sunsets look red instead.",
    ]);
  });
  it("takes the earliest cut when a whole reply arrives at once", () => {
    const c = new ClauseChunker();
    expect(c.push("A virus is a tiny organism that copies itself inside cells. Bacteria live alone. ")).toEqual([
      "A virus is a tiny organism",
      "that copies itself inside cells.",
      "Bacteria live alone.",
    ]);
  });
  it("does not split decimals, abbreviations or initials", () => {
    expect(feed("Dr. Smith paid 3.50 dollars, e.g. for J. R. R. Tolkien's book. Then he left.")).toEqual([
      "Dr. Smith paid 3.50 dollars,",
      "e.g. for J. R. R. Tolkien's book.",
      "Then he left.",
    ]);
  });
  it("strips markdown a voice would read aloud", () => {
    expect(feed("**Yes**, `really` # sure.")).toEqual(["Yes, really sure."]);
  });
  it("cuts run-on text without punctuation at a word boundary", () => {
    const pieces = feed(`${"word ".repeat(100)}end`);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.split(" ").length).toBeLessThanOrEqual(41);
  });
  it("never loses or reorders words, however the stream is split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("Hi", "there,", "friend.", "How", "are", "you?", "3.5", "Dr.", "ok!", "e.g."), { maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        (words, step) => {
          const text = words.join(" ");
          expect(feed(text, step).join(" ").split(/\s+/).filter(Boolean)).toEqual(text.split(/\s+/).filter(Boolean));
        },
      ),
    );
  });
});
