/** Arrival statistics of received frames: jitter, loss, bitrate. */
import { describe, expect, it } from "vitest";
import { ArrivalStats } from "../src/arrival-stats.js";

const frame = (seq: number, streamId = 1) => ({ streamId, seq, sampleOffset: seq * 960, sampleRate: 24000 });

describe("arrival stats", () => {
  it("counts gaps in seq as lost frames, per stream", () => {
    const s = new ArrivalStats(0);
    for (const seq of [0, 1, 2, 5, 6]) s.record(frame(seq), seq * 40, 100);
    s.record(frame(0, 2), 300, 100); // a new stream starts at 0: no loss
    expect(s.lostFrames).toBe(2);
  });

  it("is zero jitter for frames arriving at their media pace, and grows when arrivals wobble", () => {
    const steady = new ArrivalStats(0);
    for (let i = 0; i < 50; i++) steady.record(frame(i), i * 40, 100);
    expect(steady.jitterMs).toBe(0);
    const wobbly = new ArrivalStats(0);
    for (let i = 0; i < 50; i++) wobbly.record(frame(i), i * 40 + (i % 2 ? 15 : 0), 100);
    expect(wobbly.jitterMs).toBeGreaterThan(10);
  });

  it("ignores the burst at a stream's start (the playback lead) and reports the bitrate", () => {
    const s = new ArrivalStats(25);
    for (let i = 0; i < 25; i++) s.record(frame(i), i, 160); // sent ahead of real time
    for (let i = 25; i < 75; i++) s.record(frame(i), 24 + (i - 24) * 40, 160);
    expect(s.jitterMs).toBe(0);
    // 75 frames of 40 ms media time (74 spans) at 160 B each, however fast they arrived.
    expect(s.kbps).toBeCloseTo((75 * 160 * 8) / (74 * 40), 1);
  });
});
