/**
 * The microphone's state in one place: whether it is on, muted, held for push-to-talk, sending an
 * utterance, and what the app shows for it ("listening", "paused" while no session can hear it…).
 * Every change is reported as one `mic` event.
 */
import type { Emit, MicStatus } from "./session-events";

export class MicControl {
  private statusNow: MicStatus = "off";
  private mutedNow = false;
  private talkingWhileMutedNow = false;
  /** Push-to-talk is held down. */
  pttHeld = false;
  /** An utterance is being sent to the pod. */
  sending = false;

  constructor(private readonly emit: Emit) {}

  get status(): MicStatus {
    return this.statusNow;
  }

  get muted(): boolean {
    return this.mutedNow;
  }

  set(status: MicStatus): void {
    if (status === this.statusNow) return;
    this.statusNow = status;
    this.report();
  }

  setMuted(muted: boolean): void {
    this.mutedNow = muted;
    this.talkingWhileMutedNow = false;
    if (muted) this.pttHeld = false;
    this.report();
  }

  /** Muted, and the local VAD hears the user talking: the app says so (nothing is sent). */
  setTalkingWhileMuted(talking: boolean): void {
    if (talking === this.talkingWhileMutedNow) return;
    this.talkingWhileMutedNow = talking;
    this.report();
  }

  /**
   * The mic listens only while a session can hear it: without one it shows as paused and what is
   * said meanwhile is not sent later.
   */
  follow(connected: boolean, mode: "hands-free" | "push-to-talk"): void {
    if (this.mutedNow) return;
    const idle = mode === "push-to-talk" ? "push-to-talk" : "listening";
    if (!connected) {
      this.sending = false;
      this.set("paused");
    } else if (this.statusNow !== "hearing-speech" && this.statusNow !== idle) this.set(idle);
  }

  private report(): void {
    this.emit({ type: "mic", status: this.statusNow, muted: this.mutedNow, talkingWhileMuted: this.talkingWhileMutedNow });
  }
}
