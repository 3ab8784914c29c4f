/**
 * What a pod past its capacity gives up. Admission judges the last second, so a burst can be let in
 * before its load shows; when the event loop then stays far behind (twice the admission bound, two
 * windows running), every conversation is about to be late. The pod moves its newest conversations
 * away (session.moving, reason "overloaded": the balancer gives them another pod) a few at a time,
 * until the loop keeps up again — the ones it has served longest keep their pod.
 */
export class Shedder {
  private overWindows = 0;

  constructor(
    /** FIRESIDE_ADMIT_MAX_LAG_MS; 0 sheds nothing. */
    private readonly maxLagMs: number,
  ) {}

  /** After each load window: how many of the `sessions` conversations to move away now. */
  decide(lagP99Ms: number, sessions: number): number {
    if (this.maxLagMs <= 0) return 0;
    this.overWindows = lagP99Ms > 2 * this.maxLagMs ? this.overWindows + 1 : 0;
    if (this.overWindows < 2 || sessions < 2) return 0;
    return Math.max(1, Math.floor(sessions * SHED_SHARE));
  }
}

/** The share of its conversations a pod moves away per overloaded window. */
export const SHED_SHARE = 0.05;
