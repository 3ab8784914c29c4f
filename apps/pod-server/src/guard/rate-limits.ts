/**
 * Rate limits per client address and per token (rate-limiter-flexible): REST requests, WebSocket
 * connects, and failed authentication, which blocks an address for a while once it has guessed too
 * often. Each check answers how long to wait, or 0 when the request may go ahead. In a fleet the
 * counters live in Redis, so a limit or a block holds across every pod; while Redis is unreachable
 * each pod counts in its own memory (the library's insurance limiter) rather than letting all through.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface RateLimitSettings {
  rateRestPerMin: number;
  rateConnectPerMin: number;
  authFailuresPerWindow: number;
  authBlockS: number;
}

export type RateLimitKind = "rest" | "connect" | "auth";

/** The token is never kept in memory as itself, only as a short hash. */
const tokenKey = (token: string) => `t:${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;

async function waitMs(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1000, res.msBeforeNext);
    throw res;
  }
}

type LimiterOptions = { keyPrefix: string; points: number; duration: number; blockDuration?: number };

function limiter(options: LimiterOptions, redis: Redis | null): RateLimiterAbstract {
  if (!redis) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    keyPrefix: `fireside:limit:${options.keyPrefix}`,
    storeClient: redis,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

export class RateLimits {
  private readonly rest: RateLimiterAbstract;
  private readonly connects: RateLimiterAbstract;
  private readonly authFailures: RateLimiterAbstract;

  /** `redis`: the fleet's, to share the counters; null counts in this process. */
  constructor(s: RateLimitSettings, redis: Redis | null = null) {
    this.rest = limiter({ keyPrefix: "rest", points: s.rateRestPerMin, duration: 60 }, redis);
    this.connects = limiter({ keyPrefix: "connect", points: s.rateConnectPerMin, duration: 60 }, redis);
    this.authFailures = limiter(
      { keyPrefix: "auth", points: s.authFailuresPerWindow, duration: s.authBlockS, blockDuration: s.authBlockS },
      redis,
    );
  }

  /** One REST request: counted against the address and, when it carries one, the token. */
  async restRequest(address: string, token: string | null): Promise<number> {
    const byAddress = await waitMs(this.rest, `a:${address}`);
    if (byAddress || !token) return byAddress;
    return waitMs(this.rest, tokenKey(token));
  }

  connect(address: string): Promise<number> {
    return waitMs(this.connects, `a:${address}`);
  }

  /** ms this address must wait because it failed authentication too often (0: may try). */
  async authBlockedFor(address: string): Promise<number> {
    const res = await this.authFailures.get(`a:${address}`);
    // Blocked from the Nth failure on (not N+1): N wrong tokens is the whole allowance.
    return res && res.consumedPoints >= this.authFailures.points ? Math.max(1000, res.msBeforeNext) : 0;
  }

  /** Records a wrong or missing token. */
  async authFailed(address: string): Promise<void> {
    await waitMs(this.authFailures, `a:${address}`);
  }
}
