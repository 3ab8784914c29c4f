/**
 * The event loop before the engines' compute threads. llama.cpp and onnxruntime (in worker
 * threads) compute on threads of this process; on a small machine those keep every core busy
 * while a reply is made, and the event loop (which moves every session's frames, pings and
 * barge-ins) waits its turn in the OS scheduler. Linux keeps a nice value per thread, so every thread of this
 * process except the main one gets a lower priority: inference still uses every idle cycle, but
 * the loop runs first when it has work.
 *
 * Engines create threads lazily, so the sweep repeats. Linux only; elsewhere it does nothing.
 */
import { readdirSync } from "node:fs";
import { setPriority } from "node:os";

/** Lowers every thread but the main one to `nice`; returns how many threads it changed. */
export function deprioritiseComputeThreads(nice: number): number {
  if (process.platform !== "linux") return 0;
  let changed = 0;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  for (const tid of tids) {
    const id = Number(tid);
    if (id === process.pid) continue;
    try {
      setPriority(id, nice);
      changed++;
    } catch {
      // the thread ended between the listing and the call
    }
  }
  return changed;
}

/** Sweeps now and every `everyMs` (new engine threads appear as work arrives); returns a stop function. */
export function keepComputeThreadsBehindLoop(nice: number, everyMs = 10_000): () => void {
  deprioritiseComputeThreads(nice);
  const timer = setInterval(() => deprioritiseComputeThreads(nice), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
