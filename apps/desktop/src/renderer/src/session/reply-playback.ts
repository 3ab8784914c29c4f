/**
 * The reply the user hears, on the player: which reply and stream play, pausing it while a voice
 * over it is judged (by the app's VAD or by the pod), stopping it with what was heard, and the
 * playback figures. "Speaking" lasts from the reply's first audible sample until it finished or
 * was stopped, gaps between its clauses included: a late frame is not the assistant thinking again.
 * A session that ends without being resumed takes its reply with it (`lost`).
 */
import { type ClientMessage, type PcmAudioFrame, pcmSamples, type ServerMessage } from "@fireside/protocol";
import { type ActiveReply, activeReply, voiceToVoice } from "./active-reply";
import type { Emit } from "./session-events";
import type { PlayerLike, PlayerStats } from "./voice-session-deps";

/** The player's rate: stats come in its samples. */
const PLAYER_RATE = 24_000;

export class ReplyPlayback {
  private reply: ActiveReply | null = null;
  /** The app's own VAD paused the reply over a voice, until it is confirmed (barge-in) or dismissed. */
  private tentative = false;
  /** The player's last report: reply audio is coming out of the speaker. */
  private playing = false;

  constructor(
    private readonly player: PlayerLike,
    private readonly emit: Emit,
    private readonly send: (m: ClientMessage) => void,
    private readonly now: () => number,
  ) {}

  /**
   * The reply has been heard and is neither finished nor stopped: its gaps included, but not the
   * silence after the pod sent the last of it (a drop can lose the final frame the player waits for).
   */
  get audible(): boolean {
    const r = this.reply;
    return !!r && !r.interrupted && !r.finished && r.reported && !(r.completed && !this.playing);
  }

  /** When the current reply began to be heard (0: not yet, or none). */
  get startedAt(): number {
    return this.audible ? this.reply!.playbackStartedAt : 0;
  }

  /** A reply on its way that nothing of has been heard yet. */
  get pending(): ActiveReply | null {
    const r = this.reply;
    return r && !r.interrupted && !r.finished && !r.reported ? r : null;
  }

  /** A reply the pod created; `commit`: the spoken turn it answers (null for a typed one). */
  created(m: ServerMessage & { type: "response.created" }, commit: { at: number; lastVoicedAt: number } | null): void {
    this.reply = activeReply(m, commit);
  }

  audio(f: PcmAudioFrame): void {
    const r = this.reply;
    if (r && f.streamId === r.streamId && !r.interrupted) this.player.push(pcmSamples(f), f.last);
  }

  /** The pod's messages about the current reply: its audio's start, and its judgement of a sound over it. */
  onMessage(m: ServerMessage): void {
    const r = this.reply;
    if (!r || !("responseId" in m) || m.responseId !== r.id || r.interrupted || r.finished) return;
    if (m.type === "response.audio.started") this.player.begin(m.format.sampleRate);
    else if (m.type === "response.completed") {
      r.completed = true;
      if (!this.audible) this.emit({ type: "audible", audible: false });
    } else if (m.type === "response.paused") {
      r.podPaused = true;
      this.player.pause();
    } else if (m.type === "response.resumed") {
      r.podPaused = false;
      if (!this.tentative) this.player.resume();
    } else if (m.type === "response.interrupted") this.stopped(r);
  }

  /** The app's VAD heard a voice over the reply: hold it (nothing dropped) until it is judged. */
  holdForVoice(): void {
    if (!this.audible) return;
    this.player.pause();
    this.tentative = true;
  }

  /** The voice held no words: play on, unless the pod is still judging what it heard. */
  dismissVoice(): void {
    if (this.tentative && !this.reply?.podPaused) this.player.resume();
    this.tentative = false;
  }

  /** Stops the reply where the user is, and tells the pod how much of it was heard. */
  async stop(): Promise<void> {
    this.tentative = false;
    const r = this.reply;
    // Nothing to stop: none, already stopped, or over (played to its end, or all sent and played out).
    if (!r || r.interrupted || r.finished || (r.completed && !this.playing)) return;
    r.interrupted = true;
    const played = await this.player.clear();
    this.emit({ type: "audible", audible: false });
    this.send({ type: "response.interrupt", responseId: r.id, playedSamples: played });
  }

  /** Esc and the button: a reply not heard yet is cancelled; one being heard (a gap included) is stopped. */
  interrupt(): void {
    const r = this.pending;
    if (r) this.send({ type: "response.cancel", responseId: r.id });
    else void this.stop();
  }

  /**
   * The session came back after a drop (resumed): its reply did not survive the old socket, so
   * nothing more of it comes. What the player holds plays out; then it is over.
   */
  resumed(): void {
    const r = this.reply;
    if (!r || r.interrupted || r.finished) return;
    r.completed = true;
    if (!this.audible) this.emit({ type: "audible", audible: false });
  }

  /** The session ended without being resumed: the pod's reply went with it. True if one was cut. */
  lost(): boolean {
    const r = this.reply;
    this.reply = null;
    this.tentative = false;
    const cut = !!r && !r.interrupted && !r.finished;
    if (cut) void this.player.clear();
    this.emit({ type: "audible", audible: false });
    return cut;
  }

  finished(): void {
    if (this.reply) this.reply.finished = true;
    this.emit({ type: "audible", audible: false });
  }

  private stopped(r: ActiveReply): void {
    r.interrupted = true;
    this.tentative = false;
    void this.player.clear();
    this.emit({ type: "audible", audible: false });
  }

  /** The player's report; the first audible sample of a spoken turn's reply gives its voice-to-voice figure. */
  stats(s: PlayerStats): void {
    this.playing = s.playing;
    const r = this.reply;
    if (r && s.playing && s.played > 0 && !r.reported) {
      r.reported = true;
      r.playbackStartedAt = this.now();
      const metrics = voiceToVoice(r);
      if (metrics) {
        this.emit({ type: "latency", responseId: r.id, metrics });
        this.send({ type: "client.metrics", responseId: r.id, ...metrics, underruns: s.underruns });
      }
    }
    this.emit({
      type: "playback",
      bufferedMs: Math.round((s.buffered / PLAYER_RATE) * 1000),
      underruns: s.underruns,
      playing: s.playing,
      playedMs: Math.round((s.played / PLAYER_RATE) * 1000),
      audible: this.audible && !r?.podPaused && !this.tentative,
      level: s.level,
    });
  }
}
