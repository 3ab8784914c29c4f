/**
 * An engine instance serves `capacity` requests at a time: one for the Whisper process, the speaker
 * encoder and Piper; the FireRedTTS2 worker's stream slots (it batches them on the GPU). Requests
 * wait here: live conversation turns before studio work, first come first served within a
 * priority; a full queue answers E_BUSY (retryable); a request aborted while waiting leaves the queue.
 */
import { ProtocolError } from "@fireside/protocol";
import type { Priority } from "./types.js";

export type { Priority };

interface Waiter {
  priority: Priority;
  enqueuedAt: number;
  grant: () => void;
}

export interface SchedulerStats {
  depth: number;
  running: boolean;
  /** requests holding the engine now */
  inUse: number;
  /** ms the last granted request waited */
  lastWaitMs: number;
}

export class PriorityLock {
  private queue: Waiter[] = [];
  private inUse = 0;
  private capacity = 1;
  private lastWaitMs = 0;

  constructor(
    readonly maxQueue: number,
    /** What waits here, for the E_BUSY message ("speech synthesis"). */
    private readonly what: string,
    private readonly onWait: (priority: Priority, waitMs: number) => void = () => {},
  ) {}

  /** Resolves with a release function once the caller holds the engine. */
  acquire(priority: Priority, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
    if (this.inUse < this.capacity) {
      this.inUse++;
      this.record(priority, 0);
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new ProtocolError("E_BUSY", `${this.what} queue is full (${this.maxQueue} waiting); try again shortly`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        enqueuedAt: Date.now(),
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.record(priority, Date.now() - waiter.enqueuedAt);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        this.queue = this.queue.filter((w) => w !== waiter);
        reject(signal!.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // Live turns jump ahead of every studio job, but not ahead of other live turns.
      const at = priority === "live" ? this.queue.findIndex((w) => w.priority === "studio") : -1;
      if (at < 0) this.queue.push(waiter);
      else this.queue.splice(at, 0, waiter);
    });
  }

  get stats(): SchedulerStats {
    return { depth: this.queue.length, running: this.inUse > 0, inUse: this.inUse, lastWaitMs: this.lastWaitMs };
  }

  /** How many requests may hold the engine at once (the FireRedTTS2 worker says after it starts). */
  setCapacity(capacity: number): void {
    this.capacity = Math.max(1, Math.floor(capacity));
    while (this.inUse < this.capacity && this.queue.length) {
      this.inUse++;
      this.queue.shift()!.grant();
    }
  }

  private record(priority: Priority, waitMs: number): void {
    this.lastWaitMs = waitMs;
    this.onWait(priority, waitMs);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, if any (and if the capacity still has room).
      const next = this.inUse <= this.capacity ? this.queue.shift() : undefined;
      if (next) next.grant();
      else this.inUse--;
    };
  }
}
