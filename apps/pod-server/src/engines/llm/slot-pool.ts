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

  /**
   * A free slot now that holds no other owner's cache: the caller's own, else an unused one;
   * null otherwise (it never queues, and never evicts another conversation's history).
   */
  tryAcquireSpare(key: string): T | null {
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
  }
}
