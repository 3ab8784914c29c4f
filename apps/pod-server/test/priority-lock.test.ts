/** The priority lock: live turns before studio work. */
import { describe, expect, it } from "vitest";
import { PriorityLock } from "../src/engines/priority-lock.js";

describe("priority lock", () => {
  it("runs one at a time, live turns before studio jobs", async () => {
    const s = new PriorityLock(10, "speech synthesis");
    const order: string[] = [];
    const first = await s.acquire("studio");
    // Each job notes its turn, then releases the GPU on the next tick.
    const job = (p: "live" | "studio", name: string) =>
      s.acquire(p).then(async (release) => {
        order.push(name);
        await new Promise((r) => setTimeout(r, 1));
        release();
      });
    const jobs = [job("studio", "studio-1"), job("studio", "studio-2"), job("live", "live-1"), job("live", "live-2")];
    expect(s.stats).toMatchObject({ depth: 4, running: true });
    first();
    await Promise.all(jobs);
    expect(order).toEqual(["live-1", "live-2", "studio-1", "studio-2"]);
    expect(s.stats).toMatchObject({ depth: 0, running: false });
  });

  it("lets `capacity` requests hold the engine at once, the rest wait in priority order", async () => {
    const s = new PriorityLock(10, "speech synthesis");
    s.setCapacity(2);
    const a = await s.acquire("studio");
    const b = await s.acquire("studio");
    expect(s.stats).toMatchObject({ inUse: 2, depth: 0 });
    const granted: string[] = [];
    const studio = s.acquire("studio").then((r) => granted.push("studio") && r);
    const live = s.acquire("live").then((r) => granted.push("live") && r);
    expect(s.stats.depth).toBe(2);
    a();
    await live;
    expect(granted).toEqual(["live"]);
    expect(s.stats).toMatchObject({ inUse: 2, depth: 1 });
    b();
    await studio;
    expect(granted).toEqual(["live", "studio"]);
  });

  it("a capacity raised after start admits the waiters at once", async () => {
    const s = new PriorityLock(10, "speech synthesis");
    await s.acquire("live");
    const waiting = s.acquire("live");
    expect(s.stats.depth).toBe(1);
    s.setCapacity(4);
    await waiting;
    expect(s.stats).toMatchObject({ inUse: 2, depth: 0 });
  });

  it("answers E_BUSY when the queue is full", async () => {
    const s = new PriorityLock(1, "speech synthesis");
    await s.acquire("live");
    void s.acquire("live");
    await expect(s.acquire("studio")).rejects.toMatchObject({ code: "E_BUSY", retryable: true });
  });

  it("drops a waiter whose request was aborted", async () => {
    const s = new PriorityLock(5, "speech synthesis");
    const release = await s.acquire("live");
    const ac = new AbortController();
    const waiting = s.acquire("studio", ac.signal);
    ac.abort(new Error("user left"));
    await expect(waiting).rejects.toThrow("user left");
    expect(s.stats.depth).toBe(0);
    release();
    expect(s.stats.running).toBe(false);
  });
});
