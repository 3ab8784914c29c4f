/**
 * The fleet's Redis connection (FIRESIDE_REDIS_URL). Commands fail at once while it is down (no
 * offline queue), so callers fall back instead of waiting; ioredis reconnects by itself, and the
 * state is reported for /ready. Errors are logged once per outage, never thrown at the process.
 */
import { Redis } from "ioredis";

export interface FleetRedis {
  /** Commands. */
  readonly client: Redis;
  /** A second connection, for subscriptions (a subscribed connection takes no other commands). */
  readonly subscriber: Redis;
  /** Whether the command connection is up now. */
  up(): boolean;
  close(): Promise<void>;
}

export function connectRedis(url: string, log: (msg: string, fields: Record<string, unknown>) => void): FleetRedis {
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    // Back off to once every 2 s: a Redis restart is noticed within that.
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
  const client = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  let down = false;
  for (const c of [client, subscriber]) {
    c.on("error", (err: Error) => {
      if (c === client && !down)
        log("Redis unreachable; counters and resume tokens are this pod's own until it returns", { error: err.message });
      if (c === client) down = true;
    });
  }
  client.on("ready", () => {
    if (down) log("Redis is back", {});
    down = false;
  });
  return {
    client,
    subscriber,
    up: () => client.status === "ready",
    async close() {
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
