/**
 * The one state machine of a session (diagram in docs/architecture.md). Every change goes through
 * `to()`, which refuses transitions the diagram does not have, so a bug shows up as an error
 * instead of a session stuck in a state no event leaves.
 */
import type { SessionState } from "@fireside/protocol";

const ALLOWED: Record<SessionState, readonly SessionState[]> = {
  idle: ["user_speaking", "transcribing", "thinking", "closed"],
  user_speaking: ["idle", "transcribing", "closed"],
  transcribing: ["thinking", "idle", "user_speaking", "closed"],
  thinking: ["speaking", "idle", "interrupted", "closed"],
  speaking: ["idle", "interrupted", "closed"],
  interrupted: ["user_speaking", "idle", "transcribing", "closed"],
  closed: [],
};

export class SessionStateMachine {
  private current: SessionState = "idle";
  constructor(private readonly onChange: (state: SessionState) => void) {}

  get state(): SessionState {
    return this.current;
  }

  to(next: SessionState): void {
    if (next === this.current) return;
    if (!ALLOWED[this.current].includes(next)) throw new Error(`illegal session transition ${this.current} → ${next}`);
    this.current = next;
    this.onChange(next);
  }

  /** Like to(), but a no-op when the transition is not allowed (for events that may race). */
  tryTo(next: SessionState): boolean {
    if (next !== this.current && !ALLOWED[this.current].includes(next)) return false;
    this.to(next);
    return true;
  }
}

export const SESSION_TRANSITIONS = ALLOWED;
