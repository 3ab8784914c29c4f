/** Voice ids in the pod's messages shown as names. */
import { describe, expect, it } from "vitest";
import { nameVoices } from "../src/renderer/src/studio/voice-names";

describe("voice names in the pod's messages", () => {
  it("puts each voice's name where the pod wrote its id, longest ids first", () => {
    const voices = [
      { id: "v_ab", name: "Short" },
      { id: "v_abcd", name: "My voice" },
    ];
    expect(nameVoices("voice v_abcd for S2 does not exist; v_ab is fine", voices)).toBe(
      "voice “My voice” for S2 does not exist; “Short” is fine",
    );
    expect(nameVoices("no voices here", voices)).toBe("no voices here");
    // A preset's id that is a plain word is replaced only where it stands alone.
    expect(nameVoices("the narrator voice narrators use: narrator", [{ id: "narrator", name: "Narrator" }])).toBe(
      "the “Narrator” voice narrators use: “Narrator”",
    );
  });
});
