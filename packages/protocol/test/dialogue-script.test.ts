/** Dialogue scripts as text. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dialogueRequestSchema, formatDialogueScript, parseDialogueScript, ScriptError, SPEAKERS } from "../src/index.js";

describe("dialogue scripts", () => {
  it("parse and format round-trip", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            speaker: fc.constantFrom(...SPEAKERS),
            text: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && s.length > 0 && !/[\r\n]/.test(s)),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (lines) => {
          expect(parseDialogueScript(formatDialogueScript(lines))).toEqual(lines);
        },
      ),
    );
  });
  it("names the line that is wrong", () => {
    expect(() => parseDialogueScript("[S1] Hi\n\n[S5] Nope")).toThrow(ScriptError);
    expect(() => parseDialogueScript("[S1] Hi\nno tag")).toThrow(/line 2/);
  });
  it("requires a voice for every speaker used", () => {
    expect(dialogueRequestSchema.safeParse({ lines: [{ speaker: "S2", text: "x" }], voices: { S1: "a" } }).success).toBe(false);
    expect(dialogueRequestSchema.parse({ lines: [{ speaker: "S2", text: " x " }], voices: { S2: "a" } })).toEqual({
      lines: [{ speaker: "S2", text: "x" }],
      voices: { S2: "a" },
      language: "en",
    });
  });
});
