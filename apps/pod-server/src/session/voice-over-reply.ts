/**
 * The state of a voice heard over a reply (server VAD), from its onset to its verdict: the reply
 * paused at the onset, the voice being judged once it is speech, and a sound just dismissed (which
 * a barge-in right after began with). The rules are interruptions.ts's; turn-taking.ts feeds this
 * the VAD's events and the words.
 */
import type { InterruptionVerdict } from "./interruptions.js";
import type { Reply } from "./reply.js";

type Dismissal = Exclude<InterruptionVerdict, "barge_in">;

/** What it needs of the session: the reply playing. */
export interface ReplyPauser {
  /** Server VAD heard a voice over a reply: it pauses (once) until judged. Null when no reply is playing. */
  pauseReply(): Reply | null;
  /** The voice that paused the reply was a backchannel, a noise or an echo: it plays on, and the voice is no turn. */
  resumeReply(reason: Dismissal): void;
  /** The user talks over the reply: it stops. */
  bargeIn(): void;
}

export class VoiceOverReply {
  /** The voice being judged: where it began (input samples) and the reply it paused. */
  private judged: { since: number; reply: Reply } | null = null;
  /** A reply paused for a voice not yet confirmed as speech. */
  private tentative: Reply | null = null;
  private dismissed: { audio: Float32Array; at: number } | null = null;

  constructor(
    private readonly host: ReplyPauser,
    /** How long a dismissed sound may still be a barge-in's beginning. */
    private readonly keepDismissedMs: number,
  ) {}

  /** The voice being judged, if any. */
  get current(): { since: number; reply: Reply } | null {
    return this.judged;
  }

  /** The VAD heard a voice begin (`began`) or fade before it was speech. */
  onset(began: boolean): void {
    if (this.judged) return;
    if (began) this.tentative = this.host.pauseReply();
    else if (this.tentative) this.host.resumeReply("noise");
    if (!began) this.tentative = null;
  }

  /** The voice is speech, and not the user's last sentence going on: judged from now, if it paused a reply. */
  speech(since: number): void {
    this.tentative = null;
    const reply = this.host.pauseReply();
    if (reply) this.judged = { since, reply };
  }

  /** Speech that continued the last sentence: nothing of this is being judged. */
  continued(): void {
    this.tentative = null;
  }

  /** Judged a barge-in while it goes on: the reply stops. Returns a sound dismissed just before, which began it. */
  bargeIn(): Float32Array | null {
    this.judged = null;
    this.host.bargeIn();
    return this.takeDismissed();
  }

  /** The voice ended unjudged (its commit): its verdict comes from its words, to `ended`. */
  take(): { since: number; reply: Reply } | null {
    const j = this.judged;
    this.judged = null;
    return j;
  }

  /** An ended voice's verdict: a barge-in stops the reply (returning a dismissed beginning); otherwise it resumes. */
  ended(verdict: InterruptionVerdict, audio: Float32Array): Float32Array | null {
    if (verdict === "barge_in") {
      this.host.bargeIn();
      return this.takeDismissed();
    }
    this.dismissed = { audio, at: Date.now() };
    // A newer voice over the reply decides about it now.
    if (!this.judged) this.host.resumeReply(verdict);
    return null;
  }

  /** The utterance was dropped (input.audio.clear, or next to nothing): the reply resumes. */
  drop(): void {
    if (this.judged) this.host.resumeReply("noise");
    this.judged = null;
  }

  private takeDismissed(): Float32Array | null {
    const d = this.dismissed;
    this.dismissed = null;
    return d && Date.now() - d.at <= this.keepDismissedMs ? d.audio : null;
  }
}
