/**
 * Resume tokens shared through Redis, so a client resumes on any pod of the fleet within the grace
 * window: each session's snapshot is kept under its token's hash (and which pod holds it), taken
 * once with GETDEL, and the pod still holding the old socket is told to let it go (pub/sub).
 */
import type { SharedResumes, SharedSnapshot } from "../session/resume-store.js";
import type { FleetRedis } from "./redis.js";

const KEY = "fireside:resume:";
const TAKEOVER = "fireside:resume-takeover";

export class RedisResumes implements SharedResumes {
  constructor(
    private readonly redis: FleetRedis,
    readonly pod: string,
  ) {}

  async put(key: string, record: SharedSnapshot, ttlMs: number, onlyIfPresent: boolean): Promise<void> {
    const value = JSON.stringify(record);
    if (onlyIfPresent) await this.redis.client.set(KEY + key, value, "PX", ttlMs, "XX");
    else await this.redis.client.set(KEY + key, value, "PX", ttlMs);
  }

  async take(key: string): Promise<SharedSnapshot | null> {
    const value = await this.redis.client.getdel(KEY + key);
    return value ? (JSON.parse(value) as SharedSnapshot) : null;
  }

  async drop(key: string): Promise<void> {
    await this.redis.client.del(KEY + key);
  }

  async takeOver(pod: string, key: string): Promise<void> {
    await this.redis.client.publish(TAKEOVER, JSON.stringify({ pod, key }));
  }

  async onTakeOver(handler: (key: string) => void): Promise<void> {
    this.redis.subscriber.on("message", (channel: string, message: string) => {
      if (channel !== TAKEOVER) return;
      try {
        const { pod, key } = JSON.parse(message) as { pod: string; key: string };
        if (pod === this.pod) handler(key);
      } catch {
        // not ours to understand
      }
    });
    await this.redis.subscriber.subscribe(TAKEOVER);
  }
}
