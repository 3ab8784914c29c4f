/** The LLM's KV-cache slots shared by conversations. */
import { describe, expect, it } from "vitest";
import { SlotPool } from "../src/engines/llm/slot-pool.js";

const slots = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, owner: undefined as string | undefined, lastUsed: 0 }));

describe("LLM slot pool", () => {
  it("gives a conversation back the slot whose cache holds its history", async () => {
    const pool = new SlotPool(slots(3));
    const a = await pool.acquire("alice");
    pool.release(a, "alice");
    const b = await pool.acquire("bob");
    pool.release(b, "bob");
    expect(b.name).not.toBe(a.name);
    expect((await pool.acquire("alice")).name).toBe(a.name);
    expect((await pool.acquire("bob")).name).toBe(b.name);
  });

  it("hands a newcomer the least recently used slot, keeping recent caches for their owners", async () => {
    const pool = new SlotPool(slots(2));
    const a = await pool.acquire("alice");
    const b = await pool.acquire("bob");
    pool.release(a, "alice");
    pool.release(b, "bob");
    const c = await pool.acquire("carol");
    expect(c.name).toBe(a.name);
    expect((await pool.acquire("bob")).name).toBe(b.name);
  });

  it("queues when every slot is busy and serves waiters in order", async () => {
    const pool = new SlotPool(slots(1));
    const first = await pool.acquire("alice");
    const order: string[] = [];
    const bob = pool.acquire("bob").then((s) => order.push(`bob:${s.name}`));
    const carol = pool.acquire("carol").then((s) => order.push(`carol:${s.name}`));
    pool.release(first, "alice");
    await bob;
    expect(order).toEqual(["bob:s0"]);
    pool.release(first, "bob");
    await carol;
    expect(order).toEqual(["bob:s0", "carol:s0"]);
  });

  it("a spare slot is the caller's own or an unused one, never another's cache, and nothing is queued", async () => {
    const pool = new SlotPool(slots(2));
    const a = pool.tryAcquireSpare("alice")!;
    pool.release(a, "alice");
    expect(pool.tryAcquireSpare("alice")?.name).toBe(a.name);
    pool.release(a, "alice");
    const b = pool.tryAcquireSpare("bob")!;
    expect(b.name).not.toBe(a.name);
    pool.release(b, "bob");
    // Both slots hold someone's history: a newcomer gets none (a turn would evict, a warm-up does not).
    expect(pool.tryAcquireSpare("carol")).toBeNull();
    // While any slot generates, nothing is spare: a warm-up would slow that generation down.
    const busy = await pool.acquire("bob");
    expect(busy.name).toBe(b.name);
    expect(pool.tryAcquireSpare("alice")).toBeNull();
    let idle = false;
    const idling = pool.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    pool.release(busy, "bob");
    await idling;
    expect(pool.tryAcquireSpare("alice")?.name).toBe(a.name);
  });
});
