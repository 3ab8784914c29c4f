/** Resume tokens: a live session taken over, a parked one within its grace window, each token once, and a bounded store. */
import { describe, expect, it, vi } from "vitest";
import { ResumeStore, type SessionSnapshot } from "../src/session/resume-store.js";

const snap = (sessionId: string): SessionSnapshot => ({
  sessionId,
  conversationId: null,
  voice: undefined,
  persona: "p",
  language: undefined,
  turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 },
});

describe("resume store", () => {
  it("a token of a live session takes it over (its old socket is told to close), once", async () => {
    const store = new ResumeStore(60_000);
    const takeOver = vi.fn();
    const token = store.issue({ snapshot: () => snap("sess_a"), takeOver });
    expect((await store.take(token))?.sessionId).toBe("sess_a");
    expect(takeOver).toHaveBeenCalledOnce();
    expect(await store.take(token)).toBeNull();
    // The old socket's close after a takeover parks nothing.
    store.park(token, snap("sess_a"));
    expect(store.size).toEqual({ live: 0, parked: 0 });
  });

  it("a closed session is parked for the grace window, then gone", async () => {
    vi.useFakeTimers();
    try {
      const store = new ResumeStore(1000);
      const a = store.issue({ snapshot: () => snap("sess_a"), takeOver: () => {} });
      const b = store.issue({ snapshot: () => snap("sess_b"), takeOver: () => {} });
      store.park(a, snap("sess_a"));
      store.park(b, snap("sess_b"));
      vi.advanceTimersByTime(999);
      expect((await store.take(a))?.sessionId).toBe("sess_a");
      vi.advanceTimersByTime(2);
      expect(await store.take(b)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps at most maxParked sessions, dropping the oldest, and no grace window parks nothing", async () => {
    const store = new ResumeStore(60_000, 3);
    const tokens = ["1", "2", "3", "4", "5"].map((n) => {
      const t = store.issue({ snapshot: () => snap(n), takeOver: () => {} });
      store.park(t, snap(`sess_${n}`));
      return t;
    });
    expect(store.size.parked).toBe(3);
    expect(await store.take(tokens[0]!)).toBeNull();
    expect((await store.take(tokens[4]!))?.sessionId).toBe("sess_5");
    const none = new ResumeStore(0);
    const t = none.issue({ snapshot: () => snap("x"), takeOver: () => {} });
    none.park(t, snap("x"));
    expect(await none.take(t)).toBeNull();
  });
});
