/**
 * The token check every guarded request and upgrade passes: addresses blocked after repeated wrong
 * tokens are refused before their token is looked at, and each wrong token counts toward the block.
 */
import type { IncomingMessage } from "node:http";
import { ProtocolError } from "@fireside/protocol";
import type { AuditLog } from "../audit/audit-log.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import type { RateLimits } from "./rate-limits.js";
import { tokenEquals, tokenFrom } from "./token.js";

export class TokenGate {
  constructor(
    /** The pod's token ("" when none is needed). */
    readonly token: string,
    private readonly limits: RateLimits,
    private readonly audit: AuditLog,
    private readonly metrics: ServerMetrics,
  ) {}

  /** Throws E_RATE_LIMITED for a blocked address, E_AUTH for a missing or wrong token. */
  async require(req: IncomingMessage, url: URL, address: string, route: string): Promise<void> {
    if (!this.token) return;
    const blocked = await this.blockedFor(address, route);
    if (blocked) {
      throw new ProtocolError("E_RATE_LIMITED", "too many wrong tokens from this address; wait before trying again", {
        retryAfterMs: blocked,
      });
    }
    if (this.accepts(tokenFrom(req, url))) return;
    await this.failed(address, route);
    throw new ProtocolError("E_AUTH", "missing or wrong token");
  }

  /** ms the address stays blocked (0: not blocked); a refusal is audited. */
  async blockedFor(address: string, route: string): Promise<number> {
    if (!this.token) return 0;
    const blocked = await this.limits.authBlockedFor(address);
    if (blocked) this.audit.rateLimited(address, "auth", route);
    return blocked;
  }

  /** True when no token is needed or `token` is the pod's. */
  accepts(token: string | null): boolean {
    return !this.token || (token !== null && tokenEquals(token, this.token));
  }

  /** A wrong or missing token: counted, audited, and one step toward a block. */
  async failed(address: string, route: string): Promise<void> {
    this.metrics.countError("E_AUTH");
    this.audit.record("auth.failed", "refused", { address, route });
    await this.limits.authFailed(address);
  }
}
