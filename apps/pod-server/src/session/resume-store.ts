/**
 * Resume after a dropped connection: each accepted session gets a resume token (in session.ready).
 * While the session lives, the token points at it; when its socket closes, what is needed to carry
 * on (its id, conversation, voice, persona, settings) is parked for the grace window. A new socket
 * whose hello carries the token gets that session back — taking it over from a socket the server has
 * not yet noticed is dead. Tokens are single-use (a resume issues a new one) and kept only as hashes.
 */
import { createHash, randomBytes } from "node:crypto";
import type { TurnDetection } from "@fireside/protocol";

export interface SessionSnapshot {
  sessionId: string;
  conversationId: string | null;
  voice: string | undefined;
  persona: string;
  language: string | undefined;
  turnDetection: TurnDetection;
}

interface Live {
  snapshot(): SessionSnapshot;
  /** Closes the old socket; its close parks the snapshot, which the new socket then takes. */
  takeOver(): void;
}

const key = (token: string) => createHash("sha256").update(token).digest("base64url");

export class ResumeStore {
  private readonly live = new Map<string, Live>();
  private readonly parked = new Map<string, { snapshot: SessionSnapshot; expiresAt: number }>();

  constructor(
    readonly graceMs: number,
    /** Parked sessions kept at most; the oldest go first (a client cycling connections cannot grow it). */
    private readonly maxParked = 1024,
  ) {}

  /** A new token for a live session. */
  issue(live: Live): string {
    const token = randomBytes(24).toString("base64url");
    this.live.set(key(token), live);
    return token;
  }

  /** The session's socket closed: keep its snapshot for the grace window (not when a resume took it over). */
  park(token: string, snapshot: SessionSnapshot): void {
    const k = key(token);
    if (!this.live.delete(k) || this.graceMs <= 0) return;
    this.parked.set(k, { snapshot, expiresAt: Date.now() + this.graceMs });
    this.sweep();
    while (this.parked.size > this.maxParked) this.parked.delete(this.parked.keys().next().value!);
  }

  /** The snapshot for a resume token, once (null when unknown, expired or already used). */
  take(token: string): SessionSnapshot | null {
    const k = key(token);
    const live = this.live.get(k);
    if (live) {
      const snapshot = live.snapshot();
      this.live.delete(k); // so its close does not park it again
      live.takeOver();
      return snapshot;
    }
    const p = this.parked.get(k);
    this.parked.delete(k);
    return p && p.expiresAt > Date.now() ? p.snapshot : null;
  }

  get size(): { live: number; parked: number } {
    return { live: this.live.size, parked: this.parked.size };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, p] of this.parked) if (p.expiresAt <= now) this.parked.delete(k);
  }
}
