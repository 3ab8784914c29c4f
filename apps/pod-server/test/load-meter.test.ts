/** The pod's measured load: an event loop held up past the bound is overloaded (admission refuses), and recovers once it runs freely. */
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { LoadMeter } from "../src/guard/load-meter.js";

/** Holds the event loop for `ms`, as a pod with too many sessions does on every turn. */
const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
};

describe("load meter", () => {
  it("is overloaded while the event loop runs late past the bound, and not once it runs freely again", async () => {
    const windows: number[] = [];
    const meter = new LoadMeter(100, 200, (p99) => windows.push(p99));
    try {
      await pollUntil("a first window", () => windows.length >= 1, 5000, 10);
      expect(meter.overloaded).toBe(false);
      // Held 250 ms at a time, again and again: the loop's delay p99 is far past 100 ms.
      const start = windows.length;
      while (windows.length < start + 2) {
        hold(250);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(meter.lagP99Ms).toBeGreaterThan(100);
      expect(meter.overloaded).toBe(true);
      await pollUntil("the meter to see a free loop", () => !meter.overloaded, 5000, 10);
      expect(meter.lagP99Ms).toBeLessThan(100);
    } finally {
      meter.close();
    }
  });

  it("with no bound (0) is never overloaded", async () => {
    const windows: number[] = [];
    const meter = new LoadMeter(0, 100, (p99) => windows.push(p99));
    try {
      hold(200);
      await pollUntil("a window after the hold", () => windows.length >= 1, 5000, 10);
      expect(meter.overloaded).toBe(false);
    } finally {
      meter.close();
    }
  });
});
