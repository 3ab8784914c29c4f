/** Whisper's words made up from silence, recognised and dropped. */
import { describe, expect, it } from "vitest";
import { isSilenceHallucination } from "../src/session/asr-hallucinations.js";

describe("Whisper's silence hallucinations", () => {
  it("drops tags and caption credits whatever the VAD heard", () => {
    for (const t of [
      "[BLANK_AUDIO]",
      " (silence) ",
      "[Music] ♪",
      "♪♪",
      "...",
      "Thanks for watching!",
      "Subtitles by the Amara.org community",
      "",
    ])
      expect(isSilenceHallucination(t, 2000), t).toBe(true);
  });
  it("drops a lone 'you' or 'Thank you.' only when almost no voice was heard", () => {
    expect(isSilenceHallucination(" you", 0)).toBe(true);
    expect(isSilenceHallucination("Thank you.", 96)).toBe(true);
    expect(isSilenceHallucination("Thank you.", 600)).toBe(false);
  });
  it("keeps real questions", () => {
    for (const t of ["What is the capital of France?", "Thank you, that was helpful.", "You are funny."])
      expect(isSilenceHallucination(t, 0), t).toBe(false);
  });
});
