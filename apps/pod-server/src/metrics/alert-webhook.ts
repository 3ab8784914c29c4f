/**
 * The pod tells its operator itself, without a Prometheus: on a degraded start and on a full disk
 * it POSTs a JSON event to FIRESIDE_ALERT_WEBHOOK (Slack-style receivers take `text`). The same
 * event is sent at most once per quiet period, and a receiver that fails is only logged.
 */
import { hostname } from "node:os";

export type AlertEvent = "degraded" | "storage_full";

export interface AlertBody {
  event: AlertEvent;
  pod: string;
  at: string;
  text: string;
  details: Record<string, unknown>;
}

export class AlertWebhook {
  private readonly lastSent = new Map<AlertEvent, number>();

  constructor(
    private readonly url: string,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
    private readonly quietMs = 10 * 60_000,
  ) {}

  /** Sends `event` unless the same one went out within the quiet period; resolves when done (never rejects). */
  async notify(event: AlertEvent, text: string, details: Record<string, unknown> = {}): Promise<void> {
    if (!this.url) return;
    const now = Date.now();
    if (now - (this.lastSent.get(event) ?? Number.NEGATIVE_INFINITY) < this.quietMs) return;
    this.lastSent.set(event, now);
    const body: AlertBody = { event, pod: hostname(), at: new Date(now).toISOString(), text, details };
    try {
      const res = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) this.log("alert webhook refused the event", { event, status: res.status });
    } catch (err) {
      this.log("alert webhook unreachable", { event, error: (err as Error).message });
    }
  }
}
