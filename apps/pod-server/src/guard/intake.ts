/**
 * How fast a pod near its capacity takes new conversations. A conversation's load shows a second or
 * two after it is admitted (its microphone, its first reply), so a burst let in at full speed until
 * the lag bound is crossed overshoots it. Once the event loop runs more than half the bound late,
 * each second admits at most a few more (5 % of those it serves, at least 4), and the load they
 * bring shows before the next are let in. A pod with room admits at full speed.
 */
export class Intake {
  private admittedThisWindow = 0;

  constructor(
    /** FIRESIDE_ADMIT_MAX_LAG_MS; 0 paces nothing. */
    private readonly maxLagMs: number,
  ) {}

  /** Whether one more may come in now, given the last window's lag and the conversations served. */
  allows(lagP99Ms: number, sessions: number): boolean {
    if (this.maxLagMs <= 0 || lagP99Ms <= this.maxLagMs / 2) return true;
    return this.admittedThisWindow < Math.max(MIN_PER_WINDOW, Math.ceil(sessions * GROWTH_PER_WINDOW));
  }

  admitted(): void {
    this.admittedThisWindow++;
  }

  /** A new load window began. */
  window(): void {
    this.admittedThisWindow = 0;
  }
}

const MIN_PER_WINDOW = 4;
const GROWTH_PER_WINDOW = 0.05;
