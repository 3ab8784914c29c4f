/**
 * Free slots, handed out by affinity: the caller's own slot if free, else the least recently used
 * one (its cache is the least likely to be wanted again).
 */
export class SlotPool<T extends { owner: string | undefined; lastUsed: number }> {
  private readonly free: T[];
  private readonly waiters: { key: string | undefined; resolve: (slot: T) => void }[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly size: number;
  private clock = 0;

  constructor(slots: T[]) {
    this.free = [...slots];
    this.size = slots.length;
  }

  /** Settles when no slot is in use (at once if none is). */
  idle(): Promise<void> {
    return this.busy === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Slots handed out and not yet released. */
  get busy(): number {
    return this.size - this.free.length;
  }

  acquire(key: string | undefined): Promise<T> {
    if (!this.free.length) return new Promise((resolve) => this.waiters.push({ key, resolve }));
    return Promise.resolve(this.take(key));
  }

  /**
   * For work that may wait (a warm-up): a slot now, only while no slot is in use (it would slow
   * that generation down), and only the caller's own or an unused one (it never evicts another
   * conversation's history); null otherwise. It never queues.
   */
  tryAcquireSpare(key: string): T | null {
    if (this.busy > 0) return null;
    const i = this.free.findIndex((s) => s.owner === key);
    const j = i >= 0 ? i : this.free.findIndex((s) => s.owner === undefined);
    return j >= 0 ? this.free.splice(j, 1)[0]! : null;
  }

  private take(key: string | undefined): T {
    const own = key === undefined ? -1 : this.free.findIndex((s) => s.owner === key);
    let i = own;
    if (i < 0) {
      i = 0;
      for (let j = 1; j < this.free.length; j++) if (this.free[j]!.lastUsed < this.free[i]!.lastUsed) i = j;
    }
    return this.free.splice(i, 1)[0]!;
  }

  release(slot: T, key: string | undefined): void {
    slot.owner = key;
    slot.lastUsed = ++this.clock;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(slot);
    else this.free.push(slot);
    if (this.busy === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
