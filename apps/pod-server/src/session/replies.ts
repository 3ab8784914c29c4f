/**
 * The conversation's replies over time: starts each one (a Reply spoken by `generate`), ends it —
 * completed, barged in on, interrupted by the client, cancelled, taken back, cut by a drop — keeps
 * in the history what the user heard of it, stores it, and reports its metrics.
 */
import type { ClientMessageOf, FalseInterruption, TurnMetrics } from "@fireside/protocol";
import type { Config } from "../config/config.js";
import type { ChatMessage, Engines } from "../engines/types.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import type { ConversationHistory } from "./conversation-history.js";
import type { EndOfTurnRecord } from "./end-of-turn.js";
import type { ErrorReporter } from "./errors.js";
import { generate } from "./generation.js";
import type { Settled } from "./handshake.js";
import type { SessionIds } from "./ids.js";
import { type EndedStatus, Reply, type ReplySink } from "./reply.js";
import type { ReplyDraft } from "./reply-draft.js";
import type { SessionStateMachine } from "./state-machine.js";

/** The turn a reply answers: what it replies to, when it was committed, and how it was measured. */
export interface ReplyTurn {
  inReplyTo: string;
  committedAt: number;
  metrics: TurnMetrics;
  spoken: boolean;
  endOfTurn?: EndOfTurnRecord;
}

/** Replies a late interrupt or client.metrics may still name. */
const RECENT_REPLIES = 4;

/** What the replies need of the session around them. */
export interface RepliesContext {
  engines: Pick<Engines, "llm" | "tts">;
  config: Config;
  metrics: ServerMetrics;
  settled: Settled;
  sessionId: string;
  ids: SessionIds;
  history: ConversationHistory;
  machine: SessionStateMachine;
  errors: ErrorReporter;
  sink: ReplySink;
  /** The user is collecting an utterance (the state after a reply is user_speaking, not idle). */
  collecting(): boolean;
  /** The history is settled after a reply: the session may warm the LLM for the next turn. */
  settledHistory(): void;
}

export class Replies {
  /** The reply being generated or paced out. */
  private active: Reply | null = null;
  /** The newest replies, for messages that name one after it ended (interrupt, client metrics). */
  private recent: Reply[] = [];
  private ended = 0;
  /** The reply paused while a sound over it is judged (server VAD). */
  private paused: Reply | null = null;

  constructor(private readonly ctx: RepliesContext) {}

  get current(): Reply | null {
    return this.active;
  }

  /** Replies ended so far, whatever their status (for the audit log). */
  get count(): number {
    return this.ended;
  }

  /** The newest reply to an item. */
  replyTo(itemId: string): Reply | undefined {
    return this.recent.findLast((r) => r.inReplyTo === itemId);
  }

  /** Writes and speaks a reply to `prompt`; `draft`, when given, is that same reply already under way. */
  async respond(turn: ReplyTurn, prompt: ChatMessage[], draft: ReplyDraft | null) {
    const { inReplyTo, committedAt, metrics, spoken, endOfTurn } = turn;
    const { ctx } = this;
    const { config, settled } = ctx;
    const { id, streamId } = ctx.ids.response();
    const r = new Reply(
      {
        id,
        streamId,
        inReplyTo,
        spoken,
        committedAt,
        metrics,
        ...(endOfTurn ? { endOfTurn } : {}),
        ...(draft ? { abort: draft.abort } : {}),
        output: { ...settled.output, opusBitrate: config.opusBitrate, leadMs: config.outputLeadMs },
        onFirstAudio: (reply) => {
          ctx.machine.tryTo("speaking");
          // Every server-side stage is known now: send them while the reply still plays.
          this.sendMetrics(reply);
        },
      },
      ctx.sink,
    );
    this.active = r;
    this.recent = [...this.recent.slice(-(RECENT_REPLIES - 1)), r];
    ctx.sink.send({ type: "response.created", responseId: id, streamId, inReplyTo });
    ctx.machine.tryTo("thinking");
    try {
      await generate(
        r,
        ctx.engines,
        prompt,
        draft,
        { maxTokens: config.llmMaxTokens, temperature: config.llmTemperature, voice: settled.voice, contextId: ctx.sessionId },
        (msg) => ctx.sink.send(msg),
      );
      if (!r.running) return; // barge-in or cancel ends the reply
      await r.flush();
      if (!r.complete()) return;
      ctx.sink.send({ type: "response.audio.done", responseId: id, totalSamples: r.samplesSent });
      ctx.history.addAssistant(r.id, r.text);
      this.finish(r);
    } catch (err) {
      if (!r.running) return;
      r.stop("failed");
      ctx.errors.fail(err, "turn");
      this.finish(r);
    }
  }

  /**
   * Server VAD heard a voice over a reply (running, or sent in full and still playing out at the
   * client): it pauses — nothing more is sent, the client pauses playback — until the voice is
   * judged a barge-in or not. Returns it, or null when there is no such reply.
   */
  pause(): Reply | null {
    const last = this.recent.at(-1);
    const r = this.active?.running ? this.active : last && last.status === "completed" && last.playbackEndsAt > Date.now() ? last : null;
    if (!r) return null;
    if (this.paused === r) return r;
    this.paused = r;
    r.hold();
    this.ctx.sink.send({ type: "response.paused", responseId: r.id });
    return r;
  }

  /** The voice that paused the reply was a backchannel or a noise: the reply plays on from where it paused. */
  resume(reason: FalseInterruption): void {
    const r = this.paused;
    this.paused = null;
    if (!r) return;
    const pausedMs = r.release();
    this.ctx.metrics.interruptions.inc({ outcome: reason });
    if (r.running || r.status === "completed") this.ctx.sink.send({ type: "response.resumed", responseId: r.id, reason, pausedMs });
  }

  /**
   * The user started speaking: a running reply stops at once, cut at what they heard — `played`
   * when the client said (response.interrupt), else where it paused, else the client is given a
   * moment to say.
   */
  bargeIn(played?: number): void {
    const held = this.paused;
    this.paused = null;
    if (held) this.ctx.metrics.interruptions.inc({ outcome: "barge_in" });
    // Sent in full, paused while still playing out: it ends there.
    if (held && held.status === "completed" && held.interruptAfterSent()) {
      this.cut(held, played ?? held.playedEstimate(), false);
      this.ctx.settledHistory();
      return;
    }
    const r = this.active?.running ? this.active : null;
    if (!r) return;
    const { machine, config } = this.ctx;
    r.stop("interrupted");
    machine.tryTo("interrupted");
    // Speech interrupts while the user talks; Esc or the button leaves the session idle.
    machine.tryTo(this.ctx.collecting() ? "user_speaking" : "idle");
    // Paused at the voice's start: the pacing knows where the client stopped.
    if (played !== undefined || held === r) {
      this.cut(r, played ?? r.playedEstimate());
      return;
    }
    // The client knows what it played; give it a moment to say, else estimate from pacing.
    const timer = setTimeout(() => {
      r.interruptWaiter = null;
      this.cut(r, r.playedEstimate());
    }, config.interruptGraceMs);
    r.interruptWaiter = (played) => {
      clearTimeout(timer);
      r.interruptWaiter = null;
      this.cut(r, played);
    };
  }

  /** response.interrupt: the client stopped playing a reply after `playedSamples`. */
  interrupt(msg: ClientMessageOf<"response.interrupt">): boolean {
    const r = this.recent.find((x) => x.id === msg.responseId);
    if (!r) return false;
    const played = Math.min(msg.playedSamples, r.samplesSent);
    if (r.running || (this.paused === r && r.status === "completed")) {
      this.bargeIn(played);
    } else if (r.interruptWaiter) {
      r.interruptWaiter(played);
    } else if (played < r.samplesSent && r.interruptAfterSent()) {
      // Sent in full but still playing when the user cut in: shorten the kept turn.
      this.cut(r, played, false);
      this.ctx.settledHistory();
    }
    // A reply that was played to its end cannot be interrupted: nothing changes.
    return true;
  }

  /** response.cancel: the running reply (the named one, or any) stops and is kept as cancelled. */
  cancel(responseId: string | undefined): void {
    const r = this.active;
    if (!r?.running || (responseId && responseId !== r.id)) return;
    r.stop("cancelled");
    this.finish(r);
  }

  /**
   * The speaker's sentence went on after the commit `answer` replied to: it was never a turn. A
   * running answer ends unstored; one sent in full but not heard is taken back, so the client stops
   * playing it and the history keeps nothing of it.
   */
  withdraw(answer: Reply): void {
    if (this.paused === answer) this.paused = null;
    if (answer.running) {
      answer.stop("cancelled");
      this.ctx.history.keepHeard(answer.id, "");
      this.finish(answer, { store: false });
    } else if (answer.takeBack()) {
      this.ctx.metrics.repliesTakenBack.inc();
      this.keepHeard(answer, 0, true);
      this.ctx.sink.send({ type: "response.interrupted", responseId: answer.id, playedSamples: 0, heardText: "" });
    }
  }

  /** When the last reply's audio has played out at the client, by the pacing (0 when there was none). */
  get playbackEndsAt(): number {
    return this.recent.at(-1)?.playbackEndsAt ?? 0;
  }

  /** The client vanished: a running reply stops, and only what it can have played is kept. */
  dropped(): void {
    const r = this.active;
    if (r?.running) {
      r.stop("cancelled");
      this.keepHeard(r, r.playedEstimate(), true);
      this.ctx.metrics.turns.inc({ status: "cancelled" });
      return;
    }
    // A reply sent in full may still have been playing when the connection dropped.
    const last = this.recent.at(-1);
    if (last && last.playbackEndsAt > Date.now() && last.interruptAfterSent()) this.keepHeard(last, last.playedEstimate(), true);
  }

  /** client.metrics: the client's voice-to-voice figure, for spoken turns only (a typed turn's would be false). */
  clientMetrics(msg: ClientMessageOf<"client.metrics">): void {
    const r = this.recent.find((x) => x.id === msg.responseId);
    if (!r?.spoken) return;
    this.ctx.metrics.observeTurn({
      voiceToVoiceMs: msg.voiceToVoiceMs,
      ...(msg.endOfTurnMs !== undefined && r.metrics.endOfTurnMs === undefined ? { endOfTurnMs: msg.endOfTurnMs } : {}),
    });
  }

  /** Keeps in history only what the user heard, acknowledges, and (with `finish`) ends the reply. */
  private cut(r: Reply, played: number, finish = true): void {
    const heard = this.keepHeard(r, played, !finish);
    this.ctx.sink.send({ type: "response.interrupted", responseId: r.id, playedSamples: played, heardText: heard });
    if (finish) this.finish(r);
  }

  /** The assistant's turn becomes what was heard of it, in memory and (with `store`) stored. */
  private keepHeard(r: Reply, played: number, store: boolean): string {
    const heard = r.cutAt(played);
    this.ctx.history.keepHeard(r.id, heard);
    if (store) this.store(r);
    return heard;
  }

  /** `store: false`: a reply dropped because the user's sentence went on; it never was a turn. */
  private finish(r: Reply, { store = true } = {}): void {
    const { ctx } = this;
    const status = r.status as EndedStatus;
    if (store) this.store(r);
    ctx.sink.send({ type: "response.completed", responseId: r.id, status, text: ctx.history.replyText(r.id) });
    this.sendMetrics(r);
    ctx.metrics.turns.inc({ status });
    this.ended++;
    if (this.active === r) this.active = null;
    if (ctx.machine.state !== "closed") ctx.machine.tryTo(ctx.collecting() ? "user_speaking" : "idle");
  }

  private store(r: Reply): void {
    const { voice } = this.ctx.settled;
    const playedMs = r.playedMs;
    this.ctx.history.saveReply(r.id, r.status as EndedStatus, {
      ...(playedMs !== undefined ? { playedMs } : {}),
      ...(voice ? { voice } : {}),
      metrics: r.metrics as Record<string, number>,
    });
  }

  private sendMetrics(r: Reply): void {
    if (r.metricsSent) return;
    r.metricsSent = true;
    this.ctx.sink.send({ type: "turn.metrics", responseId: r.id, metrics: r.metrics, ...(r.endOfTurn ? { endOfTurn: r.endOfTurn } : {}) });
    this.ctx.metrics.observeTurn(r.metrics, r.endOfTurn);
  }
}
