/** The TTS text front end. */
import { describe, expect, it } from "vitest";
import { normaliseForSpeech, numberToWords, splitForSpeech } from "../src/pipeline/text-normaliser.js";

describe("text front end", () => {
  it("spells numbers", () => {
    expect(numberToWords(0)).toBe("zero");
    expect(numberToWords(42)).toBe("forty-two");
    expect(numberToWords(1905)).toBe("one thousand nine hundred five");
    expect(numberToWords(3.14)).toBe("three point one four");
    expect(numberToWords(2_500_000)).toBe("two million five hundred thousand");
  });
  it("expands currency, percentages, ordinals and units; maps typography", () => {
    expect(normaliseForSpeech("It’s “great” — $5 for 20% off on the 3rd.")).toBe(
      `It's "great", five dollars for twenty percent off on the third.`,
    );
    expect(normaliseForSpeech("Drive 12 km at 50 km/h; it is 21°C & 1 kg.")).toBe(
      "Drive twelve kilometres at fifty kilometres per hour; it is twenty-one degrees Celsius and one kilogram.",
    );
    expect(normaliseForSpeech("Population: 1,250,000")).toBe("Population: one million two hundred fifty thousand");
  });
  it("leaves Chinese numerals to the model but maps punctuation", () => {
    expect(normaliseForSpeech("他说“你好”—2024年", "zh")).toBe('他说"你好", 2024年');
  });
  it("splits English over 80 words at sentence ends, and never loses words", () => {
    const sentence = "This sentence has exactly ten words in it, you see. ";
    const text = sentence.repeat(20);
    const pieces = splitForSpeech(text);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.split(/\s+/).length).toBeLessThanOrEqual(80);
    expect(pieces.join(" ").split(/\s+/)).toEqual(text.trim().split(/\s+/));
    expect(pieces.every((p) => p.endsWith("."))).toBe(true);
  });
  it("splits Chinese over 150 characters", () => {
    const text = "今天天气很好，我们去公园散步吧。".repeat(20);
    const pieces = splitForSpeech(text, "zh");
    for (const p of pieces) expect([...p].length).toBeLessThanOrEqual(150);
    expect(pieces.join("")).toBe(text);
  });
});
