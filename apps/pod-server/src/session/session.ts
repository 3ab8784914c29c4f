/**
 * One accepted conversation: wires hearing (turn-taking over the input audio) to speaking (the
 * replies), runs its turns one at a time — transcribe, keep the user's words, reply — and answers
 * each client message after hello. It never throws to the transport: bad input becomes an `error`.
 */
import type { ClientMessage, ServerMessage, TurnMetrics } from "@fireside/protocol";
import { LIMITS, ProtocolError } from "@fireside/protocol";
import type { Config } from "../config/config.js";
import type { Engines } from "../engines/types.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import type { ConversationStore } from "../store/conversations.js";
import { isSilenceHallucination } from "./asr-hallucinations.js";
import { ConversationHistory } from "./conversation-history.js";
import { ErrorReporter, type LogFn } from "./errors.js";
import type { Settled } from "./handshake.js";
import { SessionIds } from "./ids.js";
import { InputFrames } from "./input-frames.js";
import { Replies } from "./replies.js";
import type { ReplySink } from "./reply.js";
import { ReplyDraft } from "./reply-draft.js";
import type { SessionSnapshot } from "./resume-store.js";
import { SessionStateMachine } from "./state-machine.js";
import { type CommittedUtterance, TurnTaking } from "./turn-taking.js";

/** The running conversation's only ways out to its socket. */
export interface SessionIo {
  send(msg: ServerMessage): void;
  sendBinary(bytes: Uint8Array): void;
  /** Bytes queued on the socket but not yet written. */
  backlog(): number;
  log: LogFn;
}

/** What every session of a pod shares. */
export interface SessionDeps {
  engines: Engines;
  config: Config;
  metrics: ServerMetrics;
  conversations: ConversationStore;
}

/** An utterance with less voiced audio than this (by the VAD) is not sent to ASR: Whisper invents words in silence. */
const MIN_VOICED_MS = 64;
/** Longest a reply waits for its user turn to be stored (SQLite: microseconds; PostgreSQL: milliseconds, unless it is struggling). */
const STORE_BEFORE_REPLY_MS = 1000;

type TurnInput = CommittedUtterance | { text: string };
/** A turn waiting or transcribing: response.cancel before its reply starts drops it. */
interface PendingTurn {
  cancelled: boolean;
}

export class Session {
  readonly id: string;
  private readonly ids = new SessionIds();
  private readonly machine: SessionStateMachine;
  private readonly history: ConversationHistory;
  private readonly errors: ErrorReporter;
  private readonly frames: InputFrames;
  private readonly hearing: TurnTaking;
  private readonly replies: Replies;
  private readonly engines: Engines;
  private readonly config: Config;
  private turnChain: Promise<void> = Promise.resolve();
  private readonly pendingTurns = new Set<PendingTurn>();
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly settled: Settled,
    private readonly deps: SessionDeps,
    private readonly io: SessionIo,
  ) {
    const { engines, config, metrics } = deps;
    this.id = settled.sessionId;
    this.engines = engines;
    this.config = config;
    this.errors = new ErrorReporter(io.send, metrics, io.log, () => this.id);
    this.machine = new SessionStateMachine((state) => {
      io.send({ type: "session.state", state });
      if (state === "idle" || state === "closed") for (const settle of this.idleWaiters.splice(0)) settle();
    });
    this.history = new ConversationHistory(
      deps.conversations,
      (conversationId) => io.send({ type: "conversation.started", conversationId }),
      // The turn is still answered (the history in memory has it); the client is told it was not kept.
      (err, itemId) => {
        io.log("error", "could not store a conversation turn", { session: this.id, item: itemId, error: err.message });
        this.errors.fail(err, itemId);
      },
      (ms) => metrics.storeSeconds.observe(ms / 1000),
    );
    if (settled.conversationId) this.history.continue(settled.conversationId, settled.history);
    this.frames = new InputFrames(settled.input.codec, settled.input.sampleRate);
    const sink: ReplySink = {
      send: io.send,
      backlog: io.backlog,
      sendBinary: (bytes) => {
        io.sendBinary(bytes);
        metrics.countAudioFrame("out");
      },
      counted: (bytes, codec) => metrics.countAudioBytes("out", codec, bytes),
    };
    this.replies = new Replies({
      engines,
      config,
      metrics,
      settled,
      sessionId: this.id,
      ids: this.ids,
      history: this.history,
      machine: this.machine,
      errors: this.errors,
      sink,
      collecting: () => this.hearing.collecting,
      settledHistory: () => this.warmLlm(),
    });
    this.hearing = new TurnTaking(
      engines,
      {
        detection: settled.turnDetection,
        language: settled.language,
        speculate: config.asrSpeculate,
        partialMs: config.asrPartialMs,
        continuationMs: config.continuationMs,
      },
      {
        send: io.send,
        fail: (err, inReplyTo) => this.errors.fail(err, inReplyTo),
        currentReply: () => this.replies.current,
        replyTo: (itemId) => this.replies.replyTo(itemId),
        draft: (itemId, text) => this.draft(itemId, text),
        userSpeaking: () => {
          if (!this.replies.current?.running) this.machine.tryTo("user_speaking");
        },
        bargeIn: () => this.replies.bargeIn(),
        pauseReply: () => this.replies.pause(),
        resumeReply: (reason) => {
          this.replies.resume(reason);
          if (!this.replies.current) this.toListening();
        },
        continued: (_itemId, answer) => {
          // The first part's turn makes no reply (its words are kept until the whole is transcribed).
          for (const t of this.pendingTurns) t.cancelled = true;
          if (answer) this.replies.withdraw(answer);
        },
        committed: (itemId, utterance) => {
          io.send({ type: "input.committed", itemId, durationMs: Math.round((utterance.samples / 16000) * 1000) });
          this.enqueueTurn(itemId, utterance, "input.audio.commit");
        },
        committedNothing: () => {
          this.errors.error("E_NO_SPEECH", "nothing to transcribe: less than 100 ms of audio was committed", "input.audio.commit");
          this.machine.tryTo("idle");
        },
      },
      () => this.ids.item(),
    );
  }

  get state() {
    return this.machine.state;
  }

  /**
   * Resolves once no one is speaking, no reply is in progress and the last reply has had time to
   * play out at the client (its audio runs ahead of real time), or the session closed.
   */
  async whenQuiet(): Promise<void> {
    for (;;) {
      if (this.machine.state !== "idle" && this.machine.state !== "closed")
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const left = this.replies.playbackEndsAt - Date.now();
      if (left <= 0 || this.closed) return;
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }

  /** Resolves once every turn so far is stored (or its failure reported): a pod waits on it before it exits. */
  stored(): Promise<void> {
    return this.history.flushed();
  }

  get conversationId(): string | null {
    return this.history.id;
  }

  /** Replies finished so far, whatever their status (for the audit log). */
  get turns(): number {
    return this.replies.count;
  }

  /** What a resume needs to carry this session on over a new socket. */
  snapshot(): SessionSnapshot {
    const { voice, persona, language, turnDetection } = this.settled;
    return { sessionId: this.id, conversationId: this.history.id, voice, persona, language, turnDetection };
  }

  /** session.ready is out: the LLM can evaluate the conversation so far before the user speaks. */
  start(): void {
    this.warmLlm();
  }

  /** A client message after hello (keepalive is the connection's). */
  handle(msg: ClientMessage): void {
    try {
      this.dispatch(msg);
    } catch (err) {
      this.errors.fail(err, msg.type);
    }
  }

  onBinary(bytes: Uint8Array): void {
    try {
      const audio = this.frames.decode(bytes);
      this.deps.metrics.countAudioFrame("in");
      this.deps.metrics.countAudioBytes("in", this.frames.codec, bytes.byteLength);
      this.hearing.push(audio);
    } catch (err) {
      this.errors.fail(err, "audio");
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hearing.stop();
    this.replies.dropped();
    this.engines.tts.endContext?.(this.id);
    this.machine.tryTo("closed");
  }

  private dispatch(msg: ClientMessage): void {
    switch (msg.type) {
      case "session.hello":
        throw new ProtocolError("E_BAD_MESSAGE", "session.hello was already accepted");
      case "ping":
      case "pong":
        break; // answered by the connection
      case "input.speech_started":
        this.io.send({ type: "input.speech_started", source: "client", atMs: 0 });
        this.hearing.clientSpeechStarted();
        break;
      case "input.speech_stopped":
        this.io.send({ type: "input.speech_stopped", source: "client", atMs: 0 });
        break;
      case "input.audio.commit":
        this.hearing.commit();
        break;
      case "input.audio.clear":
        this.hearing.clear();
        this.machine.tryTo("idle");
        break;
      case "input.text":
        this.hearing.typed();
        this.enqueueTurn(this.ids.item(), { text: msg.text }, "input.text");
        break;
      case "response.interrupt":
        if (!this.replies.interrupt(msg)) throw new ProtocolError("E_BAD_MESSAGE", `no response ${msg.responseId} to interrupt`);
        break;
      case "response.cancel":
        // Before a reply exists (waiting or transcribing), cancel drops the turns in flight.
        if (!this.replies.current && !msg.responseId) for (const t of this.pendingTurns) t.cancelled = true;
        this.replies.cancel(msg.responseId);
        break;
      case "client.metrics":
        this.replies.clientMetrics(msg);
        break;
    }
  }

  /**
   * A draft reply on the pause's words — only when nothing else is going on in the session, so the
   * draft's prompt is the one a commit would build (a running reply or a waiting turn would change
   * the history first).
   */
  private draft(itemId: string, text: string): ReplyDraft | null {
    if (!this.config.replySpeculate || this.closed || this.replies.current || this.pendingTurns.size > 0) return null;
    const prompt = this.history.prompt(this.settled.persona, this.config.llmHistoryTurns, { itemId, text });
    return new ReplyDraft(this.engines, text, prompt, {
      maxTokens: this.config.llmMaxTokens,
      temperature: this.config.llmTemperature,
      cacheKey: this.id,
      contextId: this.id,
      ...(this.settled.voice ? { voice: this.settled.voice } : {}),
    });
  }

  private enqueueTurn(itemId: string, input: TurnInput, cause: string): void {
    const committedAt = Date.now();
    const draft = "audio" in input ? input.speculation?.draft : undefined;
    // The running turn counts too: one running plus maxWaitingTurns waiting.
    if (this.pendingTurns.size > LIMITS.maxWaitingTurns) {
      draft?.discard();
      this.errors.error("E_BUSY", `${this.pendingTurns.size} turns are already waiting in this session; wait for the reply`, cause);
      return;
    }
    const turn: PendingTurn = { cancelled: false };
    this.pendingTurns.add(turn);
    this.turnChain = this.turnChain
      .then(() => this.runTurn(itemId, input, committedAt, turn))
      .finally(() => {
        // Adopted drafts are the reply's now; any other is thrown away.
        if (draft && !draft.adopted) draft.discard();
      })
      .catch((err) => {
        this.errors.fail(err, "turn");
        // Whatever failed (ASR, a bug), the session is ready for the next turn.
        if (!this.closed && !this.replies.current) this.toListening();
      })
      .finally(() => {
        this.pendingTurns.delete(turn);
        this.warmLlm();
      });
  }

  private async runTurn(itemId: string, input: TurnInput, committedAt: number, turn: PendingTurn): Promise<void> {
    if (this.closed || turn.cancelled) return;
    const spoken = "audio" in input;
    const metrics: TurnMetrics = spoken && input.endOfTurnMs !== undefined ? { endOfTurnMs: input.endOfTurnMs } : {};
    let draft: ReplyDraft | null = null;
    let userText: string;
    if (spoken) {
      const heard = await this.transcribe(itemId, input, committedAt, metrics);
      if (heard === null) return;
      userText = heard.text;
      draft = heard.draft;
    } else userText = input.text;
    if (this.closed) return;
    // The words are stored before they are answered, so a pod that dies mid-reply loses no turn; a
    // store that is slow or down holds the reply back at most STORE_BEFORE_REPLY_MS.
    const stored = this.history.addUser(itemId, userText, spoken ? "spoken" : "typed");
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([stored, new Promise((resolve) => (bound = setTimeout(resolve, STORE_BEFORE_REPLY_MS)))]);
    clearTimeout(bound);
    if (this.closed) return;
    if (turn.cancelled) {
      // Cancelled while it was being transcribed: the words are kept, no reply is made.
      this.toListening();
      return;
    }
    const prompt = this.history.prompt(this.settled.persona, this.config.llmHistoryTurns);
    if (draft?.matches(userText, prompt)) {
      draft.adopted = true;
      metrics.draftLeadMs = Math.max(0, committedAt - draft.startedAt);
    } else draft = null;
    const endOfTurn = spoken ? input.endOfTurn : undefined;
    await this.replies.respond({ inReplyTo: itemId, committedAt, metrics, spoken, ...(endOfTurn ? { endOfTurn } : {}) }, prompt, draft);
  }

  /** The utterance's words (the pause's transcript when it still holds), sent as transcript.final; null: no speech. */
  private async transcribe(itemId: string, input: CommittedUtterance, committedAt: number, metrics: TurnMetrics) {
    this.machine.tryTo("transcribing");
    const voicedMs = await input.voicedMs;
    if (voicedMs < MIN_VOICED_MS) {
      this.errors.error("E_NO_SPEECH", "the voice detector heard no speech in the utterance", "input.audio.commit");
      this.toListening();
      return null;
    }
    const options = this.settled.language ? { language: this.settled.language } : {};
    const heldPause = this.hearing.heldPause(input.speculation);
    const t = heldPause
      ? await heldPause.transcript.catch(() => this.engines.asr.transcribe(input.audio, options))
      : await this.engines.asr.transcribe(input.audio, options);
    metrics.asrMs = Date.now() - committedAt;
    const text = isSilenceHallucination(t.text, voicedMs) ? "" : t.text;
    this.io.send({
      type: "transcript.final",
      itemId,
      text,
      language: t.language,
      ...(t.confidence !== undefined ? { confidence: t.confidence } : {}),
    });
    if (!text.trim()) {
      this.errors.error("E_NO_SPEECH", "no words were recognised in the utterance", "input.audio.commit");
      this.toListening();
      return null;
    }
    return { text, draft: heldPause?.draft ?? null };
  }

  /** Between replies: listening to an utterance, or idle. */
  private toListening(): void {
    this.machine.tryTo(this.hearing.collecting ? "user_speaking" : "idle");
  }

  /**
   * With the history settled (a reply finished, or was cut to what was heard), the LLM evaluates
   * the next prompt up to the user's words while the user is still speaking.
   */
  private warmLlm(): void {
    if (this.closed || !this.engines.llm.prefill || this.replies.current || this.pendingTurns.size > 0) return;
    const next = this.history.prompt(this.settled.persona, this.config.llmHistoryTurns, { itemId: "next", text: "" });
    void this.engines.llm.prefill(next, { cacheKey: this.id });
  }
}
