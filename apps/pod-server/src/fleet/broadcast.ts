/**
 * Events every pod's clients must see, whichever pod they happened on (a dialogue rendered by pod A,
 * watched through pod B's events socket): published on a Redis channel, heard by every pod, this one
 * included. While Redis is unreachable an event reaches this pod's own listeners only.
 */
import type { FleetRedis } from "./redis.js";

export interface Broadcast<T> {
  publish(event: T): void;
  /** Every event published by any pod (this one too). */
  subscribe(listener: (event: T) => void): void;
}

export class RedisBroadcast<T> implements Broadcast<T> {
  private readonly listeners = new Set<(event: T) => void>();

  constructor(
    private readonly redis: FleetRedis,
    private readonly channel: string,
    onError: (err: Error) => void,
  ) {
    redis.subscriber.on("message", (ch: string, message: string) => {
      if (ch !== channel) return;
      let event: T;
      try {
        event = JSON.parse(message) as T;
      } catch {
        return;
      }
      this.deliver(event);
    });
    redis.subscriber.subscribe(channel).catch(onError);
  }

  publish(event: T): void {
    this.redis.client.publish(this.channel, JSON.stringify(event)).catch(() => this.deliver(event));
  }

  subscribe(listener: (event: T) => void): void {
    this.listeners.add(listener);
  }

  private deliver(event: T): void {
    for (const l of this.listeners) l(event);
  }
}
