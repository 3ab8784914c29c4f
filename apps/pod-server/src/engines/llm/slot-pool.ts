/**
 * Free slots, handed out by affinity: the caller's own slot if free, else the least recently used
 * one (its cache is the least likely to be wanted again).
 */
export class SlotPool<T extends { owner: string | undefined; lastUsed: number }> {
  private readonly free: T[];
  private readonly waiters: { key: string | undefined; resolve: (slot: T) => void }[] = [];
  private clock = 0;

  constructor(slots: T[]) {
    this.free = [...slots];
  }

  acquire(key: string | undefined): Promise<T> {
    if (!this.free.length) return new Promise((resolve) => this.waiters.push({ key, resolve }));
    return Promise.resolve(this.take(key));
  }

  /** A free slot now (as `acquire` would pick it), or null when every slot is busy. */
  tryAcquire(key: string | undefined): T | null {
    return this.free.length ? this.take(key) : null;
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
  }
}
