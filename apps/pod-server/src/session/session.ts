/**
 * One conversation over one WebSocket: input audio → VAD endpointing → ASR → LLM → clause
 * chunker → TTS → paced output audio, with barge-in. The transport hands it frames; it answers
 * through `SessionIo`. It never throws to the transport: bad input becomes an `error` message.
 */
import { randomBytes } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import { Framer, floatToInt16, int16ToFloat, Resampler } from "@fireside/audio";
import {
  type ClientMessage,
  type ClientMessageOf,
  type CodecName,
  decodeAudioFrame,
  type ErrorCode,
  FrameKind,
  LIMITS,
  PROTOCOL_VERSION,
  ProtocolError,
  parseClientMessage,
  SAMPLE_RATES,
  type SampleRate,
  type ServerMessage,
  SUPPORTED_PROTOCOLS,
  type TurnDetection,
  type TurnMetrics,
  turnDetectionSchema,
} from "@fireside/protocol";
import type { Config } from "../config/config.js";
import type { ChatMessage, Engines, Transcript } from "../engines/types.js";
import { EngineError } from "../engines/types.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { ClauseChunker } from "../pipeline/clause-chunker.js";
import type { ConversationStore } from "../store/conversations.js";
import { AsyncQueue } from "../streams/async-queue.js";
import { isSilenceHallucination } from "./asr-hallucinations.js";
import { FrameDecoder, FrameEncoder } from "./audio-codecs.js";
import { ConversationHistory } from "./conversation-history.js";
import { heardText, type SpokenSegment } from "./heard-text.js";
import { InputAudio, type Utterance } from "./input-audio.js";
import { OutputPacer } from "./output-pacer.js";
import { ReplyDraft } from "./reply-draft.js";
import type { SessionSnapshot } from "./resume-store.js";
import { sentenceCompleteness } from "./sentence-completeness.js";
import { SessionStateMachine } from "./state-machine.js";
import type { TurnEvent } from "./turn-detector.js";

export interface SessionIo {
  /** Latest GPU telemetry, for session.ready. */
  gpus(): { name: string; utilisation: number; memoryMiB: number; memoryTotalMiB: number; temperatureC: number }[];
  send(msg: ServerMessage): void;
  sendBinary(bytes: Uint8Array): void;
  /** Bytes queued on the socket but not yet written. */
  backlog(): number;
  close(code: number, reason: string): void;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
  /** Throws a ProtocolError naming the pod's voices when `id` cannot be spoken here. */
  checkVoice(id: string): void;
  /** A wrong or missing token in session.hello (counted toward the address's block). */
  authFailed(): void;
  /** Takes a session slot once hello is accepted; an error (E_BUSY) when the server is full. */
  admit(): ProtocolError | null;
  /** What an earlier session parked under this resume token (taking it over if still live), or null. */
  resume(token: string): SessionSnapshot | null;
  /** A resume token for this session, valid while it lives and for the grace window after. */
  issueResumeToken(): { token: string; graceMs: number };
}

/** Output frames of 40 ms: fine enough that a barge-in cuts within one frame. */
const OUTPUT_FRAME_MS = 40;
/** An utterance with less voiced audio than this (by the VAD) is not sent to ASR: Whisper invents words in silence. */
const MIN_VOICED_MS = 64;
/**
 * A reply whose first frame went out longer ago than this may have been heard and reacted to:
 * speech then is a barge-in, not the user's sentence going on. The client's playback lead delays
 * what is heard by ~0.1–0.3 s, and nobody starts to answer what they heard in under ~0.3 s; at
 * 300 ms a fast reply that began inside a speaker's long pause ("Can you tell me … how far it is
 * to the station?") split the sentence in three of four bench runs.
 */
const CONTINUATION_HEARD_MS = 500;
/** Responses a late interrupt or client.metrics may still name. */
const RECENT_RESPONSES = 4;

/**
 * What the session started at the speaker's pause: a transcript of the utterance so far, and
 * (once that is ready) a draft reply on it. Both hold only if no voice came after the pause.
 */
interface Speculation {
  lastVoicedAt: number;
  /** Aborted when a newer pause or more speech makes it stale, so stale guesses never queue before the real one. */
  abort: AbortController;
  transcript: Promise<Transcript>;
  draft: ReplyDraft | null;
}

type TurnInput = (Utterance & { speculation?: Speculation }) | { text: string };
type ReplyStatus = "completed" | "interrupted" | "cancelled" | "failed";
/** A turn waiting or transcribing: response.cancel before its reply starts drops it. */
interface PendingTurn {
  cancelled: boolean;
}

interface Response {
  id: string;
  /** Typed turns have no voice-to-voice latency. */
  spoken: boolean;
  streamId: number;
  inReplyTo: string;
  abort: AbortController;
  pacer: OutputPacer;
  segments: SpokenSegment[];
  text: string;
  status: "running" | ReplyStatus;
  metrics: TurnMetrics;
  committedAt: number;
  interruptWaiter: ((played: number) => void) | null;
  metricsSent: boolean;
  /** Samples the user heard, once known (interrupted or cut by a drop); null: all of it. */
  playedSamples: number | null;
}

export class Session {
  private sessionId: string;
  /** Makes item and response ids unique across sessions (and across resumes of one session). */
  private readonly idTag = randomBytes(3).toString("hex");
  private readonly machine: SessionStateMachine;
  private ready = false;
  private inputRate: SampleRate = 16000;
  private outputRate: SampleRate = 24000;
  private inputDecoder = new FrameDecoder("pcm_s16le", 16000);
  private outputCodec: CodecName = "pcm_s16le";
  private inResampler: Resampler | null = null;
  private turnDetection: TurnDetection = turnDetectionSchema.parse({});
  private language: string | undefined;
  private voice: string | undefined;
  private persona: string;
  private readonly input: InputAudio;
  private readonly history: ConversationHistory;
  /** Item id of the utterance being collected (given at speech start so partials can name it). */
  private pendingItemId: string | null = null;
  /**
   * A transcript started when the speaker paused mid-utterance (the end-of-turn wait is dead time
   * for ASR). The commit uses it if no voice came after the pause; otherwise it is thrown away.
   */
  private speculation: Speculation | null = null;
  /** The last spoken commit, which speech soon after may continue (see onSpeechStarted). */
  private lastCommitted: { itemId: string; audio: Float32Array; at: number } | null = null;
  private partialAt = 0;
  private partialInFlight = false;
  private response: Response | null = null;
  /** The newest responses, for messages that name one after it ended (interrupt, client metrics). */
  private recent: Response[] = [];
  private turnChain: Promise<void> = Promise.resolve();
  private counter = 0;
  private closed = false;
  private finishedTurns = 0;
  private readonly pendingTurns = new Set<PendingTurn>();

  constructor(
    private readonly engines: Engines,
    private readonly config: Config,
    private readonly metrics: ServerMetrics,
    private readonly io: SessionIo,
    /** True when the HTTP upgrade already carried a valid token. */
    private authenticated: boolean,
    conversations: ConversationStore,
  ) {
    this.sessionId = `sess_${randomBytes(6).toString("hex")}`;
    this.persona = config.persona;
    this.machine = new SessionStateMachine((state) => this.io.send({ type: "session.state", state }));
    this.input = new InputAudio(engines.vad, this.turnDetection, {
      onTurnEvent: (ev) => this.onTurnEvent(ev),
      onError: (err) => this.fail(err, "audio"),
      onPause: ({ audio, lastVoicedAt }) => {
        if (this.closed || !this.config.asrSpeculate || audio.length < 1600) return;
        const abort = new AbortController();
        const transcript = this.engines.asr.transcribe(audio, {
          signal: abort.signal,
          ...(this.language ? { language: this.language } : {}),
        });
        const speculation: Speculation = { lastVoicedAt, abort, transcript, draft: null };
        this.setSpeculation(speculation);
        transcript.then(
          (t) => {
            this.maybeDraft(speculation, t.text);
            this.judgeEndOfTurn(speculation, t);
          },
          () => {}, // a failed guess is simply not used
        );
      },
      // The speaker went on: the pause was not the end of the turn.
      onResume: () => this.setSpeculation(null),
    });
    this.history = new ConversationHistory(
      conversations,
      (conversationId) => this.io.send({ type: "conversation.started", conversationId }),
      (err) => this.io.log("error", "could not store a conversation turn", { session: this.id, error: err.message }),
    );
  }

  get id(): string {
    return this.sessionId;
  }

  get state() {
    return this.machine.state;
  }

  /** What a resume needs to carry this session on over a new socket. */
  snapshot(): SessionSnapshot {
    return {
      sessionId: this.sessionId,
      conversationId: this.history.id,
      voice: this.voice,
      persona: this.persona,
      language: this.language,
      turnDetection: this.turnDetection,
    };
  }

  /** Replies finished so far, whatever their status (for the audit log). */
  get turns(): number {
    return this.finishedTurns;
  }

  // ------------------------------------------------------------------ transport entry points

  onText(text: string): void {
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(text);
    } catch (err) {
      this.fail(err, "json");
      return;
    }
    try {
      this.handle(msg);
    } catch (err) {
      this.fail(err, msg.type);
    }
  }

  /** A text frame the transport could not decode (invalid UTF-8): answered, the session stays. */
  onMalformedText(why: string): void {
    this.fail(new ProtocolError("E_BAD_JSON", why), "json");
  }

  onBinary(bytes: Uint8Array): void {
    try {
      if (!this.ready) throw new ProtocolError("E_NOT_READY", "send session.hello before audio");
      const frame = decodeAudioFrame(bytes);
      if (frame.kind !== FrameKind.InputAudio) throw new ProtocolError("E_BAD_FRAME", "clients may send only input audio frames (kind 1)");
      if (frame.sampleRate !== this.inputRate) {
        throw new ProtocolError("E_AUDIO_FORMAT", `sample rate ${frame.sampleRate} Hz differs from the negotiated ${this.inputRate} Hz`);
      }
      this.metrics.audioFramesReceived.inc();
      this.metrics.audioBytes.inc({ direction: "in", codec: this.inputDecoder.codec }, bytes.byteLength);
      let audio = int16ToFloat(this.inputDecoder.decode(frame));
      if (this.inResampler) audio = this.inResampler.process(audio);
      this.onAudio(audio);
    } catch (err) {
      this.fail(err, "audio");
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input.stop();
    this.setSpeculation(null);
    const r = this.response;
    if (r?.status === "running") {
      // The client vanished mid-reply: stop the engines, and keep only what it can have played.
      this.stopReply(r, "cancelled");
      this.keepHeard(r, this.playedEstimate(r), "cancelled");
      this.metrics.turns.inc({ status: "cancelled" });
    } else {
      // A reply sent in full may still have been playing when the connection dropped.
      const last = this.recent.at(-1);
      if (last?.status === "completed" && last.pacer.playbackEndsAt > Date.now()) {
        last.status = "interrupted";
        this.keepHeard(last, this.playedEstimate(last), "interrupted");
      }
    }
    this.engines.tts.endContext?.(this.id);
    this.machine.tryTo("closed");
  }

  // ------------------------------------------------------------------ control messages

  private handle(msg: ClientMessage): void {
    if (msg.type === "ping") {
      this.io.send({ type: "pong", id: msg.id, t: msg.t });
      return;
    }
    if (msg.type === "pong") return;
    if (msg.type === "session.hello") {
      this.hello(msg);
      return;
    }
    if (!this.ready) throw new ProtocolError("E_NOT_READY", `send session.hello before ${msg.type}`);
    switch (msg.type) {
      case "input.speech_started":
        this.io.send({ type: "input.speech_started", source: "client", atMs: 0 });
        this.startCollecting();
        this.onSpeechStarted();
        break;
      case "input.speech_stopped":
        this.io.send({ type: "input.speech_stopped", source: "client", atMs: 0 });
        break;
      case "input.audio.commit":
        this.commit();
        break;
      case "input.audio.clear":
        this.input.clear();
        this.setSpeculation(null);
        this.pendingItemId = null;
        this.machine.tryTo("idle");
        break;
      case "input.text":
        this.lastCommitted = null;
        this.enqueueTurn(this.nextId("item"), { text: msg.text }, Date.now(), "input.text");
        break;
      case "response.interrupt":
        this.clientInterrupt(msg);
        break;
      case "response.cancel":
        this.cancel(msg.responseId);
        break;
      case "client.metrics": {
        // Voice-to-voice exists only for spoken turns: a typed turn's figure would be a false latency.
        const r = this.recent.find((x) => x.id === msg.responseId);
        if (r?.spoken) {
          this.metrics.observeTurn({
            voiceToVoiceMs: msg.voiceToVoiceMs,
            ...(msg.endOfTurnMs !== undefined && r.metrics.endOfTurnMs === undefined ? { endOfTurnMs: msg.endOfTurnMs } : {}),
          });
        }
        break;
      }
    }
  }

  private hello(msg: ClientMessageOf<"session.hello">): void {
    if (this.ready) throw new ProtocolError("E_BAD_MESSAGE", "session.hello was already accepted");
    if (this.config.token && !this.authenticated) {
      if (msg.token !== this.config.token) {
        this.io.authFailed();
        this.sendError("E_AUTH", "missing or wrong token", "session.hello");
        this.io.close(4401, "unauthorised");
        return;
      }
      this.authenticated = true;
    }
    const protocol = msg.protocols.find((p) => (SUPPORTED_PROTOCOLS as readonly string[]).includes(p));
    if (!protocol) {
      this.sendError(
        "E_PROTOCOL_VERSION",
        `server speaks ${SUPPORTED_PROTOCOLS.join(", ")}; client offered ${msg.protocols.join(", ")}`,
        "session.hello",
      );
      this.io.close(4400, "protocol version");
      return;
    }
    if (msg.voice) {
      try {
        this.io.checkVoice(msg.voice);
      } catch (err) {
        // Not accepted: the client may send hello again with a voice the pod has.
        if (err instanceof ProtocolError) throw new ProtocolError("E_BAD_MESSAGE", `session.hello: ${err.message}`);
        throw err;
      }
    }
    const resumed = msg.resume ? this.io.resume(msg.resume) : null;
    if (resumed) {
      this.sessionId = resumed.sessionId;
      if (resumed.conversationId) this.history.continue(resumed.conversationId);
      this.voice = resumed.voice;
      this.persona = resumed.persona;
      this.language = resumed.language;
      this.turnDetection = resumed.turnDetection;
    } else if (msg.conversationId) {
      if (!this.history.exists(msg.conversationId)) {
        throw new ProtocolError("E_BAD_MESSAGE", `session.hello: no conversation ${msg.conversationId} on this pod`);
      }
      this.history.continue(msg.conversationId);
    }
    const full = this.io.admit();
    if (full) {
      this.sendError(full.code, full.message, "session.hello");
      this.io.close(1013, "server full");
      return;
    }
    this.inputRate = msg.audio.input.sampleRate as SampleRate;
    this.outputRate = msg.audio.output.sampleRate as SampleRate;
    this.inResampler = this.inputRate === 16000 ? null : new Resampler(this.inputRate, 16000);
    this.inputDecoder = new FrameDecoder(msg.audio.input.codec, this.inputRate);
    this.outputCodec = msg.audio.output.codec;
    // A resumed session keeps its settings unless this hello names new ones.
    if (msg.turnDetection) this.turnDetection = msg.turnDetection;
    this.input.setDetection(this.turnDetection);
    if (msg.language || !resumed) this.language = msg.language;
    if (msg.voice || !resumed) this.voice = msg.voice;
    if (msg.persona) this.persona = msg.persona;
    this.ready = true;
    const resume = this.io.issueResumeToken();
    const { vad, asr, llm, tts } = this.engines;
    this.io.send({
      type: "session.ready",
      protocol: PROTOCOL_VERSION,
      sessionId: this.id,
      resumeToken: resume.token,
      resumeGraceMs: resume.graceMs,
      resumed: resumed !== null,
      ...(this.history.id ? { conversationId: this.history.id } : {}),
      audio: {
        input: { codec: this.inputDecoder.codec, sampleRate: this.inputRate },
        output: { codec: this.outputCodec, sampleRate: this.outputRate },
      },
      capabilities: {
        engines: { vad: vad.info, asr: asr.info, llm: llm.info, tts: tts.info },
        voices: tts.voices,
        sampleRates: [...SAMPLE_RATES],
        turnDetection: ["client_vad", "server_vad"],
        codecs: ["pcm_s16le", "opus"],
        asrPartials: asr.supportsPartials,
        gpus: this.io.gpus().map(({ name, utilisation, memoryMiB, memoryTotalMiB, temperatureC }) => ({
          name,
          utilisation,
          memoryMiB,
          memoryTotalMiB,
          temperatureC,
        })),
      },
    });
    this.warmLlm();
  }

  // ------------------------------------------------------------------ input audio and VAD

  private onAudio(audio: Float32Array): void {
    // Under client VAD the client decides what is speech: everything it sends until commit counts.
    if (!this.input.collecting && this.turnDetection.mode === "client_vad") this.startCollecting();
    this.input.push(audio);
    if (!this.input.collecting) return;
    if (this.input.collectedMs >= LIMITS.maxUtteranceMs) this.commit();
    else this.maybePartial();
  }

  private onTurnEvent(ev: TurnEvent): void {
    const { type, atMs } = ev;
    this.io.send({ type: `input.${type}`, source: "server", atMs });
    const serverVad = this.turnDetection.mode === "server_vad";
    if (type === "speech_started") {
      // Under client VAD the client's speech_started decides about continuations; ours only barges
      // in, and only while the client is sending an utterance (not when it lags behind a commit).
      if (serverVad) {
        this.startCollecting();
        this.onSpeechStarted(ev.type === "speech_started" ? ev.confirmedAfterMs : 0);
      } else if (this.input.collecting) this.bargeIn();
    } else if (serverVad && this.input.collecting) {
      this.commit();
    }
  }

  /** Re-transcribes the utterance so far, at most every asrPartialMs and one at a time. */
  private maybePartial(): void {
    const every = this.config.asrPartialMs;
    if (!this.engines.asr.supportsPartials || every <= 0 || this.partialInFlight || !this.pendingItemId) return;
    if (Date.now() - this.partialAt < every || this.input.collectedMs < 500) return;
    this.partialInFlight = true;
    this.partialAt = Date.now();
    const itemId = this.pendingItemId;
    const audio = this.input.current();
    this.engines.asr
      .transcribe(audio, this.language ? { language: this.language } : {})
      .then((t) => {
        // A partial that lands after the final would only confuse the client.
        if (this.pendingItemId === itemId && !this.closed) this.io.send({ type: "transcript.partial", itemId, text: t.text });
      })
      .catch(() => {})
      .finally(() => {
        this.partialInFlight = false;
      });
  }

  /**
   * Semantic end of turn (server VAD): the pause's transcript decides how long its silence must
   * last — short after a finished sentence, long after a hanging "and…", the configured silence otherwise.
   */
  private judgeEndOfTurn(speculation: Speculation, t: Transcript): void {
    if (this.closed || this.speculation !== speculation || this.turnDetection.mode !== "server_vad") return;
    const verdict = sentenceCompleteness(t.text, this.language ?? t.language);
    const { finishedSilenceMs = 300, unfinishedSilenceMs = 1500 } = this.turnDetection;
    if (verdict === "finished") this.input.endPauseAfter(speculation.lastVoicedAt, finishedSilenceMs);
    else if (verdict === "unfinished") this.input.endPauseAfter(speculation.lastVoicedAt, unfinishedSilenceMs);
  }

  /** The newest pause's speculation replaces the last one, whose draft reply is thrown away. */
  private setSpeculation(next: Speculation | null): void {
    if (this.speculation && this.speculation !== next) {
      this.speculation.abort.abort();
      this.speculation.draft?.discard();
    }
    this.speculation = next;
  }

  /**
   * Starts the reply on the pause's transcript while the end-of-turn silence is waited out —
   * only when nothing else is going on in the session, so the draft's prompt is the one a commit
   * would build (a running reply or a waiting turn would change the history first).
   */
  private maybeDraft(speculation: Speculation, text: string): void {
    if (!this.config.replySpeculate || this.closed || this.speculation !== speculation) return;
    if (this.response || this.pendingTurns.size > 0 || !text.trim() || !this.pendingItemId) return;
    const prompt = this.history.prompt(this.persona, this.config.llmHistoryTurns, { itemId: this.pendingItemId, text });
    speculation.draft = new ReplyDraft(this.engines, text, prompt, {
      maxTokens: this.config.llmMaxTokens,
      temperature: this.config.llmTemperature,
      cacheKey: this.id,
      contextId: this.id,
      ...(this.voice ? { voice: this.voice } : {}),
    });
  }

  private startCollecting(): void {
    if (this.input.collecting) return;
    this.input.startCollecting();
    this.pendingItemId = this.nextId("item");
    if (this.response?.status !== "running") this.machine.tryTo("user_speaking");
  }

  /**
   * The user is talking (confirmed speech). Within continuationMs of their last commit, and before
   * its reply could be heard, it is the same sentence after a pause: the new words join that
   * utterance (same item id) and the reply to its first part is dropped. Otherwise it is a barge-in.
   * Both are judged at the moment the voice came back, `spokeAgoMs` before it was confirmed: a
   * reply that started in between (a fast one) was not heard before the speaker went on.
   */
  private onSpeechStarted(spokeAgoMs = 0): void {
    const last = this.lastCommitted;
    this.lastCommitted = null;
    const r = this.response;
    const spokeAt = Date.now() - spokeAgoMs;
    // Heard: the client said it played that much of it, or its first frame went out that long ago.
    const replyHeard = (x: Response) =>
      (x.playedSamples ?? 0) * 1000 > CONTINUATION_HEARD_MS * this.outputRate ||
      (x.pacer.firstSentAt > 0 && spokeAt - x.pacer.firstSentAt > CONTINUATION_HEARD_MS);
    // The reply to the first part: still running, or already sent in full (a short one).
    const answer = last ? this.recent.findLast((x) => x.inReplyTo === last.itemId) : undefined;
    const continues =
      last !== null &&
      spokeAt - last.at <= this.config.continuationMs &&
      (!r || r.inReplyTo === last.itemId) &&
      !(answer && replyHeard(answer));
    if (!continues) {
      this.bargeIn();
      return;
    }
    this.input.prepend(last.audio);
    this.pendingItemId = last.itemId;
    // The first part's turn makes no reply (its words are kept until the whole is transcribed).
    for (const t of this.pendingTurns) t.cancelled = true;
    if (answer?.status === "running") {
      this.stopReply(answer, "cancelled");
      this.history.keepHeard(answer.id, "");
      this.finish(answer, "cancelled", { store: false });
    } else if (answer?.status === "completed") {
      // Sent in full before the speaker went on, but not heard: taken back, so the client stops
      // playing it and the history keeps nothing of it.
      answer.status = "cancelled";
      this.metrics.repliesTakenBack.inc();
      this.keepHeard(answer, 0, "cancelled");
      this.io.send({ type: "response.interrupted", responseId: answer.id, playedSamples: 0, heardText: "" });
    }
  }

  private commit(): void {
    const utterance = this.input.take();
    // The turn takes the speculation over: runTurn adopts or discards its draft.
    const speculation = this.speculation;
    this.speculation = null;
    const samples = utterance.samples;
    const itemId = this.pendingItemId ?? this.nextId("item");
    this.pendingItemId = null;
    if (samples < 1600) {
      speculation?.draft?.discard();
      this.sendError("E_NO_SPEECH", "nothing to transcribe: less than 100 ms of audio was committed", "input.audio.commit");
      this.machine.tryTo("idle");
      return;
    }
    this.io.send({ type: "input.committed", itemId, durationMs: Math.round((samples / 16000) * 1000) });
    this.lastCommitted = { itemId, audio: utterance.audio, at: Date.now() };
    this.enqueueTurn(itemId, { ...utterance, ...(speculation ? { speculation } : {}) }, Date.now(), "input.audio.commit");
  }

  // ------------------------------------------------------------------ turns

  private enqueueTurn(itemId: string, input: TurnInput, committedAt: number, cause: string): void {
    // The running turn counts too: one running plus maxWaitingTurns waiting.
    if (this.pendingTurns.size > LIMITS.maxWaitingTurns) {
      if ("audio" in input) input.speculation?.draft?.discard();
      this.sendError("E_BUSY", `${this.pendingTurns.size} turns are already waiting in this session; wait for the reply`, cause);
      return;
    }
    const turn: PendingTurn = { cancelled: false };
    this.pendingTurns.add(turn);
    this.turnChain = this.turnChain
      .then(() => this.runTurn(itemId, input, committedAt, turn))
      .finally(() => {
        // Adopted drafts are the reply's now; any other is thrown away.
        if ("audio" in input && input.speculation?.draft && !input.speculation.draft.adopted) input.speculation.draft.discard();
      })
      .catch((err) => {
        this.fail(err, "turn");
        // Whatever failed (ASR, a bug), the session is ready for the next turn.
        if (!this.closed && !this.response) this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
      })
      .finally(() => {
        this.pendingTurns.delete(turn);
        this.warmLlm();
      });
  }

  private async runTurn(itemId: string, input: TurnInput, committedAt: number, turn: PendingTurn): Promise<void> {
    if (this.closed || turn.cancelled) return;
    const metrics: TurnMetrics = "audio" in input && input.endOfTurnMs !== undefined ? { endOfTurnMs: input.endOfTurnMs } : {};
    let userText: string;
    let draft: ReplyDraft | null = null;
    if ("audio" in input) {
      this.machine.tryTo("transcribing");
      const voicedMs = await input.voicedMs;
      if (voicedMs < MIN_VOICED_MS) {
        this.sendError("E_NO_SPEECH", "the voice detector heard no speech in the utterance", "input.audio.commit");
        this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
        return;
      }
      // The pause's transcript holds if the VAD heard no voice after it; else transcribe the whole utterance.
      const heldPause = input.speculation && input.speculation.lastVoicedAt === this.input.lastVoicedAt ? input.speculation : null;
      draft = heldPause?.draft ?? null;
      const t = heldPause
        ? await heldPause.transcript.catch(() => this.engines.asr.transcribe(input.audio, this.language ? { language: this.language } : {}))
        : await this.engines.asr.transcribe(input.audio, this.language ? { language: this.language } : {});
      metrics.asrMs = Date.now() - committedAt;
      userText = isSilenceHallucination(t.text, voicedMs) ? "" : t.text;
      this.io.send({
        type: "transcript.final",
        itemId,
        text: userText,
        language: t.language,
        ...(t.confidence !== undefined ? { confidence: t.confidence } : {}),
      });
      if (!userText.trim()) {
        this.sendError("E_NO_SPEECH", "no words were recognised in the utterance", "input.audio.commit");
        this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
        return;
      }
    } else {
      userText = input.text;
    }
    if (this.closed) return;
    this.history.addUser(itemId, userText, "audio" in input ? "spoken" : "typed");
    if (turn.cancelled) {
      // Cancelled while it was being transcribed: the words are kept, no reply is made.
      this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
      return;
    }
    const prompt = this.history.prompt(this.persona, this.config.llmHistoryTurns);
    if (draft?.matches(userText, prompt)) {
      draft.adopted = true;
      metrics.draftLeadMs = Math.max(0, committedAt - draft.startedAt);
    } else draft = null;
    await this.respond(itemId, committedAt, metrics, "audio" in input, prompt, draft);
  }

  /** A reply to the prompt; `draft`, when given, is that same reply already under way. */
  private async respond(
    inReplyTo: string,
    committedAt: number,
    metrics: TurnMetrics,
    spoken: boolean,
    prompt: ChatMessage[],
    draft: ReplyDraft | null,
  ): Promise<void> {
    const n = ++this.counter;
    const id = `resp_${this.idTag}_${n}`;
    const abort = draft?.abort ?? new AbortController();
    const frameSamples = (this.outputRate * OUTPUT_FRAME_MS) / 1000;
    const framer = Framer.int16(frameSamples);
    const frames = new FrameEncoder(this.outputCodec, FrameKind.OutputAudio, n, this.outputRate, this.config.opusBitrate);
    const r: Response = {
      id,
      spoken,
      streamId: n,
      inReplyTo,
      abort,
      segments: [],
      text: "",
      status: "running",
      metrics,
      committedAt,
      interruptWaiter: null,
      metricsSent: false,
      playedSamples: null,
      pacer: new OutputPacer(
        (bytes, first) => {
          if (first) {
            this.io.send({
              type: "response.audio.started",
              responseId: id,
              streamId: n,
              format: { codec: this.outputCodec, sampleRate: this.outputRate },
            });
            metrics.firstAudioSentMs = Date.now() - committedAt;
            this.machine.tryTo("speaking");
            // Every server-side stage is known now: send them while the reply still plays.
            this.sendTurnMetrics(r);
          }
          this.io.sendBinary(bytes);
          this.metrics.audioFramesSent.inc();
        },
        this.outputRate,
        this.config.outputLeadMs,
        () => this.io.backlog(),
      ),
    };
    this.response = r;
    this.recent = [...this.recent.slice(-(RECENT_RESPONSES - 1)), r];
    const sendFrame = (samples: Int16Array, last: boolean) => {
      const bytes = frames.encode(samples, last);
      this.metrics.audioBytes.inc({ direction: "out", codec: frames.codec }, bytes.byteLength);
      r.pacer.enqueue(bytes, samples.length);
    };

    this.io.send({ type: "response.created", responseId: id, streamId: n, inReplyTo });
    this.machine.tryTo("thinking");
    const pieces = new AsyncQueue<string>();
    const llmStartedAt = Date.now();

    const speak = async () => {
      const resampler =
        this.engines.tts.sampleRate === this.outputRate ? null : new Resampler(this.engines.tts.sampleRate, this.outputRate);
      let queued = 0;
      for await (const piece of pieces) {
        if (abort.signal.aborted) break;
        const start = queued;
        const ttsStart = Date.now();
        const audioChunks =
          draft?.takeAudio(piece) ??
          this.engines.tts.synthesize(piece, {
            signal: abort.signal,
            priority: "live",
            context: { id: this.id }, // the assistant's earlier sentences, for engines that use them
            ...(this.voice ? { voice: this.voice } : {}),
          });
        for await (const chunk of audioChunks) {
          if (abort.signal.aborted) break;
          metrics.ttsFirstAudioMs ??= Date.now() - ttsStart;
          const audio = resampler ? resampler.process(chunk) : chunk;
          queued += audio.length;
          for (const f of framer.push(floatToInt16(audio))) sendFrame(f, false);
          // One chunk per turn of the event loop: a clause synthesised whole (Piper, a draft) is
          // otherwise resampled, encoded and framed at once, holding every session's frames ~10 ms.
          await setImmediate();
        }
        r.segments.push({ text: piece, start, end: queued });
        if (queued > start) this.io.send({ type: "response.caption", responseId: id, text: piece, startSample: start, endSample: queued });
      }
      if (abort.signal.aborted) return;
      if (resampler) {
        const tail = resampler.flush();
        if (tail.length) {
          queued += tail.length;
          if (r.segments.length) r.segments[r.segments.length - 1]!.end = queued;
          for (const f of framer.push(floatToInt16(tail))) sendFrame(f, false);
        }
      }
      sendFrame(framer.flush() ?? new Int16Array(0), true);
    };

    const think = async () => {
      const chunker = new ClauseChunker();
      const deltas =
        draft?.deltas ??
        this.engines.llm.stream(prompt, {
          signal: abort.signal,
          cacheKey: this.id,
          maxTokens: this.config.llmMaxTokens,
          temperature: this.config.llmTemperature,
        });
      try {
        for await (const delta of deltas) {
          if (abort.signal.aborted) break;
          metrics.llmFirstTokenMs ??= Date.now() - llmStartedAt;
          r.text += delta;
          this.io.send({ type: "response.text.delta", responseId: id, delta });
          for (const p of chunker.push(delta)) pieces.push(p);
        }
        if (!abort.signal.aborted) for (const p of chunker.flush()) pieces.push(p);
      } finally {
        pieces.end();
      }
    };

    try {
      await Promise.all([think(), speak()]);
      if (abort.signal.aborted) return; // barge-in or cancel finishes the response
      r.pacer.end();
      await r.pacer.done;
      if (r.status !== "running") return;
      r.status = "completed";
      this.io.send({ type: "response.audio.done", responseId: id, totalSamples: r.pacer.samplesSent });
      r.text = r.text.trim();
      this.history.addAssistant(r.id, r.text);
      this.finish(r, "completed");
    } catch (err) {
      if (r.status !== "running") return;
      this.stopReply(r, "failed");
      this.fail(err, "turn");
      this.finish(r, "failed");
    }
  }

  /** The one way a running reply stops: the engines abort, pacing stops, the status says why. */
  private stopReply(r: Response, status: Exclude<ReplyStatus, "completed">): void {
    r.abort.abort();
    r.pacer.stop();
    r.status = status;
  }

  /** `store: false`: a reply dropped because the user's sentence went on; it never was a turn. */
  private finish(r: Response, status: ReplyStatus, { store = true } = {}): void {
    if (store) this.storeReply(r, status);
    this.io.send({ type: "response.completed", responseId: r.id, status, text: this.history.replyText(r.id) });
    this.sendTurnMetrics(r);
    this.metrics.turns.inc({ status });
    this.finishedTurns++;
    if (this.response === r) this.response = null;
    if (!this.closed) this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
  }

  /**
   * With the history settled (a reply finished, or was cut to what was heard), the LLM evaluates
   * the next prompt up to the user's words while the user is still speaking.
   */
  private warmLlm(): void {
    if (this.closed || !this.engines.llm.prefill || this.response || this.pendingTurns.size > 0) return;
    const next = this.history.prompt(this.persona, this.config.llmHistoryTurns, { itemId: "next", text: "" });
    void this.engines.llm.prefill(next, { cacheKey: this.id });
  }

  private sendTurnMetrics(r: Response): void {
    if (r.metricsSent) return;
    r.metricsSent = true;
    this.io.send({ type: "turn.metrics", responseId: r.id, metrics: r.metrics });
    this.metrics.observeTurn(r.metrics);
  }

  // ------------------------------------------------------------------ barge-in and cancel

  /** The user started speaking. If a reply is running or still playing, stop it at once. */
  private bargeIn(): void {
    const r = this.response?.status === "running" ? this.response : null;
    if (r) {
      this.stopReply(r, "interrupted");
      this.machine.tryTo("interrupted");
      // Speech interrupts while the user talks; Esc or the button leaves the session idle.
      this.machine.tryTo(this.input.collecting ? "user_speaking" : "idle");
      // The client knows what it played; give it a moment to say, else estimate from pacing.
      const timer = setTimeout(() => {
        r.interruptWaiter = null;
        this.cutHistory(r, this.playedEstimate(r));
      }, this.config.interruptGraceMs);
      r.interruptWaiter = (played) => {
        clearTimeout(timer);
        r.interruptWaiter = null;
        this.cutHistory(r, played);
      };
    }
  }

  private clientInterrupt(msg: ClientMessageOf<"response.interrupt">): void {
    const r = this.recent.find((x) => x.id === msg.responseId);
    if (!r) throw new ProtocolError("E_BAD_MESSAGE", `no response ${msg.responseId} to interrupt`);
    const played = Math.min(msg.playedSamples, r.pacer.samplesSent);
    if (r.status === "running") {
      this.bargeIn();
      r.interruptWaiter?.(played);
    } else if (r.interruptWaiter) {
      r.interruptWaiter(played);
    } else if (r.status === "completed" && played < r.pacer.samplesSent) {
      // Reply fully sent but still playing when the user cut in: shorten the kept turn.
      r.status = "interrupted";
      this.cutHistory(r, played, false);
      this.warmLlm();
    }
    // A reply that was played to its end cannot be interrupted: nothing changes.
  }

  /** Keeps in history only what the user heard, acknowledges, and closes the response. */
  private cutHistory(r: Response, played: number, finish = true): void {
    const heard = this.keepHeard(r, played, finish ? null : "interrupted");
    this.io.send({ type: "response.interrupted", responseId: r.id, playedSamples: played, heardText: heard });
    if (finish) this.finish(r, "interrupted");
  }

  /**
   * The assistant's turn becomes what was heard of it, in memory and (with `store`) in the stored
   * conversation; returns the heard text.
   */
  private keepHeard(r: Response, played: number, store: "interrupted" | "cancelled" | null): string {
    const heard = heardText(r.segments, played);
    this.history.keepHeard(r.id, heard);
    r.playedSamples = played;
    if (store) this.storeReply(r, store);
    return heard;
  }

  /** Samples a vanished client can have played: real time since the first frame, at most what was sent. */
  private playedEstimate(r: Response): number {
    if (!r.pacer.firstSentAt) return 0;
    return Math.floor(Math.max(0, Math.min(r.pacer.samplesSent, ((Date.now() - r.pacer.firstSentAt) * this.outputRate) / 1000)));
  }

  private storeReply(r: Response, status: ReplyStatus): void {
    this.history.saveReply(r.id, status, {
      ...(r.playedSamples !== null ? { playedMs: Math.round((r.playedSamples / this.outputRate) * 1000) } : {}),
      ...(this.voice ? { voice: this.voice } : {}),
      metrics: r.metrics as Record<string, number>,
    });
  }

  private nextId(kind: "item"): string {
    return `${kind}_${this.idTag}_${++this.counter}`;
  }

  private cancel(responseId: string | undefined): void {
    // Before a reply exists (waiting or transcribing), cancel drops the turns in flight.
    if (!this.response && !responseId) for (const t of this.pendingTurns) t.cancelled = true;
    const r = this.response;
    if (r?.status !== "running" || (responseId && responseId !== r.id)) return;
    this.stopReply(r, "cancelled");
    this.finish(r, "cancelled");
  }

  // ------------------------------------------------------------------ errors

  private fail(err: unknown, inReplyTo: string): void {
    if (err instanceof ProtocolError) this.sendError(err.code, err.message, inReplyTo);
    else if (err instanceof EngineError) this.sendError("E_ENGINE", err.message, inReplyTo);
    else {
      this.io.log("error", "unexpected session error", { session: this.id, error: (err as Error)?.stack ?? String(err) });
      this.sendError("E_INTERNAL", "unexpected server error", inReplyTo);
    }
  }

  private sendError(code: ErrorCode, message: string, inReplyTo?: string): void {
    this.metrics.countError(code);
    const retryable = new ProtocolError(code, message).retryable;
    this.io.send({ type: "error", code, message, retryable, ...(inReplyTo ? { inReplyTo } : {}) });
  }
}
