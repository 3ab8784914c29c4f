/** Small promises the app makes in words: export file names from titles, and the reconnect wait's bound. */
import { describe, expect, it } from "vitest";
import { fileName } from "../src/renderer/src/files/save-text-file";
import { retryDelayMs } from "../src/renderer/src/transport/pod-connection";

describe("export file names", () => {
  it("a title's own closing dot and characters no file system takes do not reach the name", () => {
    expect(fileName("Tell me about a friendly robot.", "md")).toBe("Tell me about a friendly robot.md");
    expect(fileName("What is 1/2? Or: 3*4...", "md")).toBe("What is 1 2 Or 3 4.md");
    expect(fileName("  ...  ", "md")).toBe("conversation.md");
    expect(fileName("line one\nline two", "md")).toBe("line one line two.md");
  });
});

describe("reconnect waits", () => {
  it("double from 0.5 s and never pass 15 s, whatever the jitter", () => {
    expect(retryDelayMs(0, 0.5)).toBe(500);
    for (let attempt = 0; attempt < 12; attempt++)
      for (const r of [0, 0.5, 0.999]) expect(retryDelayMs(attempt, r)).toBeLessThanOrEqual(15_000);
    expect(retryDelayMs(5, 0.999)).toBe(15_000); // 16 s × 1.2 jitter, capped
  });
});
