/** The "poor connection" sentence: from the loss since the last link report and the jitter, never from another session's figures. */
import { describe, expect, it } from "vitest";
import { linkWarning } from "../src/renderer/src/session/link-quality";
import { reduceSessionEvent, type SessionSlice } from "../src/renderer/src/session/session-reducer";
import { useApp } from "../src/renderer/src/store/app-store";

const link = (frames: number, lostFrames: number, jitterMs = 5) => ({
  codec: { input: "opus", output: "opus" },
  kbpsIn: 32,
  jitterMs,
  lostFrames,
  frames,
});

describe("link quality", () => {
  it("says nothing on a clean link, and names the loss and the jitter when either is past its limit", () => {
    expect(linkWarning(link(100, 1), link(125, 1))).toBeNull();
    expect(linkWarning(link(100, 1), link(125, 3))).toBe("Poor connection (7% of the voice's packets lost): the voice may break up.");
    expect(linkWarning(link(100, 1), link(125, 1, 85))).toBe("Poor connection (85 ms of jitter): the voice may break up.");
    // A link that lost frames long ago but none since is fine now.
    expect(linkWarning(link(100, 30), link(125, 30))).toBeNull();
    // A new session restarts the counts: the figures before it are not subtracted.
    expect(linkWarning(link(500, 2), link(25, 0))).toBeNull();
  });

  it("the store holds the warning while the link is poor, and drops it with the connection", () => {
    let s: SessionSlice = { ...useApp.getInitialState() };
    const apply = (ev: Parameters<typeof reduceSessionEvent>[1]) => {
      s = { ...s, ...reduceSessionEvent(s, ev) };
    };
    apply({ type: "link", link: link(25, 0) });
    expect(s.linkWarning).toBeNull();
    apply({ type: "link", link: link(50, 3) });
    expect(s.linkWarning).toMatch(/^Poor connection \(11% /);
    apply({ type: "connection", status: "reconnecting", notice: null });
    expect(s.linkWarning).toBeNull();
  });
});
