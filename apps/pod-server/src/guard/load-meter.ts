/**
 * The pod's load as it measures it: how late its event loop runs (p99 of the event-loop delay over
 * each window). Every session's audio is paced by this loop, so past a bound each one more
 * conversation makes every conversation late: admission refuses new sessions while it is over the
 * bound (FIRESIDE_ADMIT_MAX_LAG_MS), whatever the session count says. (Judged on the p99: the p90,
 * or two late windows in a row, let twice the capacity in under a burst — docs/performance.md.)
 */
import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from "node:perf_hooks";

export class LoadMeter {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  private p99Ms = 0;
  private busy = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(
    /** Lag p99 above which the pod is overloaded, ms; 0 never is. */
    private readonly maxLagMs: number,
    windowMs = 1000,
    private readonly onWindow: (p99Ms: number) => void = () => {},
  ) {
    this.delay.enable();
    this.timer = setInterval(() => {
      this.p99Ms = this.delay.percentile(99) / 1e6;
      this.delay.reset();
      const now = performance.eventLoopUtilization();
      this.busy = performance.eventLoopUtilization(now, this.elu).utilization;
      this.elu = now;
      this.onWindow(this.p99Ms);
    }, windowMs);
    this.timer.unref();
  }

  /** p99 of the event-loop delay over the last full window, ms. */
  get lagP99Ms(): number {
    return this.p99Ms;
  }

  /** Share of the last full window the event loop spent working (0–1). */
  get loopBusy(): number {
    return this.busy;
  }

  get overloaded(): boolean {
    return this.maxLagMs > 0 && this.p99Ms > this.maxLagMs;
  }

  /** Forgets what was measured so far (the engines finished loading: that stall says nothing of capacity). */
  reset(): void {
    this.delay.reset();
    this.p99Ms = 0;
    this.elu = performance.eventLoopUtilization();
    this.busy = 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }
}
