/**
 * Resume after a dropped connection: each accepted session gets a resume token (in session.ready).
 * While the session lives, the token points at it; when its socket closes, what is needed to carry
 * on (its id, conversation, voice, persona, settings) is parked for the grace window. A new socket
 * whose hello carries the token gets that session back — taking it over from a socket the server has
 * not yet noticed is dead. Tokens are single-use (a resume issues a new one) and kept only as hashes.
 *
 * In a fleet (SharedResumes, on Redis) every snapshot is also kept where all pods see it — a live
 * session's too, refreshed while it lives — so a client whose pod was killed resumes on another.
 * Shared state that cannot be reached only narrows resume to this pod; it never fails a session.
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

/** A snapshot as the fleet keeps it, with the pod that holds (or held) the session. */
export interface SharedSnapshot {
  snapshot: SessionSnapshot;
  pod: string;
  live: boolean;
}

export interface SharedResumes {
  readonly pod: string;
  /** Keeps `record` for `ttlMs`; `onlyIfPresent`: not when it was taken meanwhile (single use). */
  put(key: string, record: SharedSnapshot, ttlMs: number, onlyIfPresent: boolean): Promise<void>;
  /** The record, removed in the same step (null when unknown, expired or already taken). */
  take(key: string): Promise<SharedSnapshot | null>;
  drop(key: string): Promise<void>;
  /** Tells `pod` to let go of the socket holding `key`'s session. */
  takeOver(pod: string, key: string): Promise<void>;
  onTakeOver(handler: (key: string) => void): Promise<void>;
}

const key = (token: string) => createHash("sha256").update(token).digest("base64url");

export class ResumeStore {
  private readonly live = new Map<string, Live>();
  private readonly parked = new Map<string, { snapshot: SessionSnapshot; expiresAt: number }>();
  private readonly refresher: NodeJS.Timeout | null = null;

  constructor(
    readonly graceMs: number,
    /** Parked sessions kept at most; the oldest go first (a client cycling connections cannot grow it). */
    private readonly maxParked = 1024,
    private readonly shared: SharedResumes | null = null,
    private readonly onSharedError: (err: Error) => void = () => {},
  ) {
    if (shared && graceMs > 0) {
      void shared.onTakeOver((k) => this.letGo(k)).catch(onSharedError);
      // A live session's shared snapshot outlives its pod by at most the grace window.
      this.refresher = setInterval(
        () => {
          for (const k of this.live.keys()) this.share(k, true);
        },
        Math.max(1000, graceMs / 3),
      );
      this.refresher.unref();
    }
  }

  /** A new token for a live session. */
  issue(live: Live): string {
    const token = randomBytes(24).toString("base64url");
    const k = key(token);
    this.live.set(k, live);
    this.share(k, false);
    return token;
  }

  /** The live session's settings changed (its conversation began): the fleet's copy follows. */
  refresh(token: string): void {
    this.share(key(token), true);
  }

  /** The session's socket closed: keep its snapshot for the grace window (not when a resume took it over). */
  park(token: string, snapshot: SessionSnapshot): void {
    const k = key(token);
    if (!this.live.delete(k) || this.graceMs <= 0) return;
    this.parked.set(k, { snapshot, expiresAt: Date.now() + this.graceMs });
    this.sweep();
    while (this.parked.size > this.maxParked) this.parked.delete(this.parked.keys().next().value!);
    this.shared?.put(k, { snapshot, pod: this.shared.pod, live: false }, this.graceMs, true).catch(this.onSharedError);
  }

  /** The snapshot for a resume token, once (null when unknown, expired or already used). */
  async take(token: string): Promise<SessionSnapshot | null> {
    const k = key(token);
    const live = this.live.get(k);
    if (live) {
      const snapshot = live.snapshot();
      this.live.delete(k); // so its close does not park it again
      live.takeOver();
      this.shared?.drop(k).catch(this.onSharedError);
      return snapshot;
    }
    const p = this.parked.get(k);
    if (p) {
      this.parked.delete(k);
      this.shared?.drop(k).catch(this.onSharedError);
      return p.expiresAt > Date.now() ? p.snapshot : null;
    }
    if (!this.shared) return null;
    let record: SharedSnapshot | null;
    try {
      record = await this.shared.take(k);
    } catch (err) {
      this.onSharedError(err as Error);
      return null;
    }
    // Held by another pod that may still have the socket open: it lets go (a dead pod hears nothing).
    if (record?.live && record.pod !== this.shared.pod) this.shared.takeOver(record.pod, k).catch(this.onSharedError);
    return record?.snapshot ?? null;
  }

  get size(): { live: number; parked: number } {
    return { live: this.live.size, parked: this.parked.size };
  }

  close(): void {
    if (this.refresher) clearInterval(this.refresher);
  }

  /** Another pod resumed this session: close the socket here without parking it. */
  private letGo(k: string): void {
    const live = this.live.get(k);
    if (!live) return;
    this.live.delete(k);
    live.takeOver();
  }

  private share(k: string, onlyIfPresent: boolean): void {
    const live = this.live.get(k);
    if (!this.shared || !live || this.graceMs <= 0) return;
    this.shared
      .put(k, { snapshot: live.snapshot(), pod: this.shared.pod, live: true }, this.graceMs, onlyIfPresent)
      .catch(this.onSharedError);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, p] of this.parked) if (p.expiresAt <= now) this.parked.delete(k);
  }
}
