/** Small parts of a session: heard text, the turn detector, the state machine, the output pacer. */
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { heardText } from "../src/session/heard-text.js";
import { OutputPacer } from "../src/session/output-pacer.js";
import { SESSION_TRANSITIONS, SessionStateMachine } from "../src/session/state-machine.js";
import { TurnDetector } from "../src/session/turn-detector.js";

describe("heard text", () => {
  const segs = [
    { text: "Paris is lovely,", start: 0, end: 24000 },
    { text: "and it has many fine museums.", start: 24000, end: 72000 },
  ];
  it("keeps whole clauses played and the played share of the one cut", () => {
    expect(heardText(segs, 0)).toBe("");
    expect(heardText(segs, 24000)).toBe("Paris is lovely,");
    expect(heardText(segs, 48000)).toBe("Paris is lovely, and it has");
    expect(heardText(segs, 10 ** 9)).toBe("Paris is lovely, and it has many fine museums.");
  });
});

describe("turn detector", () => {
  const settings = { mode: "server_vad" as const, silenceMs: 96, threshold: 0.5, minSpeechMs: 64 };
  it("starts after minSpeechMs of speech and stops after silenceMs of silence", () => {
    const d = new TurnDetector(settings, 32);
    const probs = [0.1, 0.9, 0.9, 0.9, 0.2, 0.2, 0.2, 0.1];
    const events = probs.map((p) => d.push(p));
    // Confirmed at the second speech frame: it began 64 ms (minSpeechMs) before the event.
    expect(events[2]).toEqual({ type: "speech_started", atMs: 32, confirmedAfterMs: 64 });
    expect(events[6]).toEqual({ type: "speech_stopped", atMs: 128 });
    expect(events.filter(Boolean)).toHaveLength(2);
  });
  it("ignores blips shorter than minSpeechMs and dips above the lower threshold", () => {
    const d = new TurnDetector(settings, 32);
    expect([0.9, 0.1, 0.9, 0.1].map((p) => d.push(p)).filter(Boolean)).toHaveLength(0);
    expect([0.9, 0.9, 0.4, 0.4, 0.4, 0.4].map((p) => d.push(p)).filter(Boolean)).toEqual([
      { type: "speech_started", atMs: 128, confirmedAfterMs: 64 },
    ]);
  });
});

describe("session state machine", () => {
  it("follows the diagram and refuses other transitions", () => {
    const seen: string[] = [];
    const m = new SessionStateMachine((s) => seen.push(s));
    for (const s of ["user_speaking", "transcribing", "thinking", "speaking", "interrupted", "user_speaking", "transcribing"] as const)
      m.to(s);
    expect(seen).toHaveLength(7);
    expect(() => m.to("speaking")).toThrow(/illegal/);
    expect(m.tryTo("speaking")).toBe(false);
    m.to("closed");
    for (const s of Object.keys(SESSION_TRANSITIONS)) if (s !== "closed") expect(m.tryTo(s as "idle")).toBe(false);
  });
});

describe("output pacer", () => {
  it("keeps sending within the lead of real time and stops at once", async () => {
    // A fake clock: the pacer's arithmetic is tested, not this machine's timer accuracy.
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const sent: number[] = [];
    const t0 = Date.now();
    const pacer = new OutputPacer(
      () => sent.push(Date.now() - t0),
      1000,
      100,
      () => 0,
    );
    for (let i = 0; i < 20; i++) pacer.enqueue(new Uint8Array(1), 40); // 20 × 40 ms
    await vi.advanceTimersByTimeAsync(150);
    // After 150 ms at most 150 + 100 ms of audio (+1 frame) may be out, and no less than the lead.
    expect(sent.length * 40).toBeLessThanOrEqual(150 + 100 + 40);
    expect(sent.length * 40).toBeGreaterThanOrEqual(150 + 100 - 40);
    pacer.stop();
    const n = sent.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.length).toBe(n);
    await pacer.done;
  });
});
