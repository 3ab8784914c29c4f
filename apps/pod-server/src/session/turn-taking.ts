/**
 * Hearing the user: on top of the input audio and its VAD, decides when an utterance starts and
 * ends (client or server VAD, semantic end of turn), guesses ahead at each pause (a transcript, and
 * through the host a draft reply), sends partial transcripts, and tells a barge-in from the same
 * sentence going on. A new end-of-turn rule or model plugs in here; speaking is the session's.
 */
import { concatFloat32 } from "@fireside/audio";
import { LIMITS, type ServerMessage, type TurnDetection } from "@fireside/protocol";
import type { Engines, Transcript } from "../engines/types.js";
import { type EndOfTurnDecision, type EndOfTurnRecord, endOfTurnWait } from "./end-of-turn.js";
import { InputAudio, type Utterance } from "./input-audio.js";
import { BARGE_IN_VOICED_MS, JUDGE_SILENCE_MS, judgeEndedVoice, judgeWords } from "./interruptions.js";
import { PartialTranscripts } from "./partial-transcripts.js";
import type { Reply } from "./reply.js";
import type { ReplyDraft } from "./reply-draft.js";
import { type Completeness, sentenceCompleteness } from "./sentence-completeness.js";
import type { TurnEvent } from "./turn-detector.js";
import { type ReplyPauser, VoiceOverReply } from "./voice-over-reply.js";

/**
 * A reply whose first frame went out longer ago than this may have been heard and reacted to:
 * speech then is a barge-in, not the user's sentence going on. The client's playback lead delays
 * what is heard by ~0.1–0.3 s, and nobody starts to answer what they heard in under ~0.3 s; at
 * 300 ms a fast reply that began inside a speaker's long pause ("Can you tell me … how far it is
 * to the station?") split the sentence in three of four bench runs.
 */
export const CONTINUATION_HEARD_MS = 500;
/** Less audio than this (100 ms) is not worth transcribing. */
const MIN_SAMPLES = 1600;

/**
 * What was started at the speaker's pause: a transcript of the utterance so far, and (once that is
 * ready) a draft reply on it. Both hold only if no voice came after the pause.
 */
export interface Speculation {
  lastVoicedAt: number;
  /** Aborted when a newer pause or more speech makes it stale, so stale guesses never queue before the real one. */
  abort: AbortController;
  transcript: Promise<Transcript>;
  draft: ReplyDraft | null;
}

export type CommittedUtterance = Utterance & { speculation?: Speculation; endOfTurn?: EndOfTurnRecord };

/** What the two judges said about the pause being waited out. */
interface PauseJudgement {
  lastVoicedAt: number;
  model?: { probability: number; ms: number };
  /** The model is working on this pause (it has neither answered nor failed). */
  modelPending: boolean;
  words?: Completeness;
  decision?: EndOfTurnDecision;
}

export interface TurnTakingSettings {
  detection: TurnDetection;
  language: string | undefined;
  /** Transcribe at each pause (ASR speculation). */
  speculate: boolean;
  /** Re-transcribe the utterance so far this often for partials (0: never). */
  partialMs: number;
  /** Speech this soon after a commit may continue its utterance. */
  continuationMs: number;
}

/** What turn-taking needs of the conversation around it (and, for a voice over a reply, ReplyPauser's). */
export interface TurnTakingHost extends ReplyPauser {
  send(msg: ServerMessage): void;
  fail(err: unknown, inReplyTo: string): void;
  /** The reply being generated or paced out, if any. */
  currentReply(): Reply | null;
  /** The newest reply to an item. */
  replyTo(itemId: string): Reply | undefined;
  /** A draft reply on the pause's words, if the conversation is free to draft one now. */
  draft(itemId: string, text: string): ReplyDraft | null;
  /** Collecting an utterance began. */
  userSpeaking(): void;
  /** The speaker went on with `itemId` after its commit; `answer` (its reply, if any) must go. */
  continued(itemId: string, answer: Reply | undefined): void;
  /** A whole utterance to transcribe and answer. */
  committed(itemId: string, utterance: CommittedUtterance): void;
  /** A commit with (almost) nothing in it. */
  committedNothing(): void;
}

export class TurnTaking {
  private readonly input: InputAudio;
  /** Item id of the utterance being collected (given at speech start so partials can name it). */
  private pendingItemId: string | null = null;
  /** A transcript (and draft) started at the speaker's pause; the commit uses it if no voice came after. */
  private speculation: Speculation | null = null;
  /** The last spoken commit, which speech soon after may continue (see speechStarted). */
  private lastCommitted: { itemId: string; audio: Float32Array; at: number } | null = null;
  /** The judges of the current pause (server VAD), for its end and the turn's record. */
  private pause: PauseJudgement | null = null;
  /** A voice over a reply (server VAD): the reply paused until it is judged. */
  private readonly over: VoiceOverReply;
  private readonly partials: PartialTranscripts;
  private stopped = false;

  private readonly asr: Engines["asr"];
  private readonly turnModel: Engines["turn"];

  constructor(
    engines: Pick<Engines, "asr" | "vad" | "turn">,
    private readonly settings: TurnTakingSettings,
    private readonly host: TurnTakingHost,
    private readonly newItemId: () => string,
  ) {
    this.asr = engines.asr;
    this.turnModel = engines.turn;
    this.over = new VoiceOverReply(host, settings.continuationMs);
    this.partials = new PartialTranscripts(engines.asr, settings.partialMs, settings.language, (itemId, text) => {
      // A partial that lands after the final would only confuse the client.
      if (this.pendingItemId === itemId && !this.stopped) host.send({ type: "transcript.partial", itemId, text });
    });
    this.input = new InputAudio(engines.vad, settings.detection, {
      onTurnEvent: (ev) => this.onTurnEvent(ev),
      onError: (err) => host.fail(err, "audio"),
      onPause: ({ audio, lastVoicedAt }) => {
        this.judgePauseAudio(audio, lastVoicedAt);
        this.guessAtPause(audio, lastVoicedAt);
      },
      // The speaker went on: the pause was not the end of the turn.
      onResume: () => {
        this.pause = null;
        this.setSpeculation(null);
      },
    });
  }

  get collecting(): boolean {
    return this.input.collecting;
  }

  private get serverVad(): boolean {
    return this.settings.detection.mode === "server_vad";
  }

  private get asrOptions() {
    return this.settings.language ? { language: this.settings.language } : {};
  }

  /** 16 kHz input audio. */
  push(audio: Float32Array): void {
    // Under client VAD the client decides what is speech: everything it sends until commit counts.
    if (!this.input.collecting && !this.serverVad) this.startCollecting();
    this.input.push(audio);
    if (!this.input.collecting) return;
    const over = this.over.current;
    if (over && this.input.voicedMsSince(over.since) >= BARGE_IN_VOICED_MS) this.confirmBargeIn();
    if (this.input.collectedMs >= LIMITS.maxUtteranceMs) this.commit();
    // A voice over a reply may be no turn at all (a backchannel): no words of it are shown before it is judged.
    else if (this.pendingItemId && !over) this.partials.maybe(this.pendingItemId, this.input);
  }

  /** The client's VAD heard speech start. */
  clientSpeechStarted(): void {
    this.startCollecting();
    this.speechStarted();
  }

  /** The utterance so far is a turn (input.audio.commit, or the server VAD's end of speech). */
  commit(): void {
    const utterance = this.input.take();
    // The turn takes the speculation over: it adopts or discards its draft.
    const speculation = this.speculation;
    this.speculation = null;
    const itemId = this.pendingItemId ?? this.newItemId();
    this.pendingItemId = null;
    const over = this.over.take();
    if (utterance.samples < MIN_SAMPLES) {
      speculation?.draft?.discard();
      if (over) this.host.resumeReply("noise");
      else this.host.committedNothing();
      return;
    }
    const endOfTurn = this.endOfTurnRecord();
    const committed: CommittedUtterance = { ...utterance, ...(speculation ? { speculation } : {}), ...(endOfTurn ? { endOfTurn } : {}) };
    if (over) this.judgeAtEnd(itemId, committed, over);
    else this.commitTurn(itemId, committed);
  }

  private commitTurn(itemId: string, utterance: CommittedUtterance): void {
    this.lastCommitted = { itemId, audio: utterance.audio, at: Date.now() };
    this.host.committed(itemId, utterance);
  }

  /**
   * A voice that paused a reply ended before it was judged: its words decide (the pause's
   * transcript when it still holds). A backchannel or a noise resumes the reply and is no turn; a
   * barge-in stops the reply and is the next turn, its transcript kept for it.
   */
  private judgeAtEnd(itemId: string, utterance: CommittedUtterance, over: { reply: Reply }): void {
    const held = this.heldPause(utterance.speculation);
    const lastVoicedAt = this.input.lastVoicedAt;
    const transcript = held ? held.transcript : this.asr.transcribe(utterance.audio, this.asrOptions);
    judgeEndedVoice(transcript, utterance.voicedMs, this.settings.language, over.reply.text).then(({ t, verdict }) => {
      if (this.stopped) return;
      const start = this.over.ended(verdict, utterance.audio);
      if (verdict !== "barge_in") {
        utterance.speculation?.draft?.discard();
        return;
      }
      if (start) {
        // Its first words were dismissed a moment ago: the whole is transcribed again.
        utterance.audio = concatFloat32([start, utterance.audio]);
        utterance.samples += start.length;
        utterance.speculation?.draft?.discard();
        delete utterance.speculation;
      } else if (t && !held) {
        utterance.speculation?.draft?.discard();
        utterance.speculation = { lastVoicedAt, abort: new AbortController(), transcript: Promise.resolve(t), draft: null };
      }
      this.commitTurn(itemId, utterance);
    });
  }

  /** The voice over the reply is a barge-in: the reply stops now, and the voice goes on as the next turn. */
  private confirmBargeIn(): void {
    const start = this.over.bargeIn();
    if (start) this.input.prepend(start);
    // Its pause, if in one, waits by the end-of-turn rules again.
    if (this.pause) this.decide(this.pause);
  }

  /** input.audio.clear: the utterance so far is dropped. */
  clear(): void {
    this.over.drop();
    this.input.clear();
    this.pause = null;
    this.setSpeculation(null);
    this.pendingItemId = null;
  }

  /** A typed turn: speech after it is a new turn, never the last spoken one going on. */
  typed(): void {
    this.lastCommitted = null;
  }

  /** The pause's transcript, if it still holds for this utterance (no voice since the pause). */
  heldPause(speculation: Speculation | undefined): Speculation | null {
    return speculation && speculation.lastVoicedAt === this.input.lastVoicedAt ? speculation : null;
  }

  stop(): void {
    this.stopped = true;
    this.input.stop();
    this.setSpeculation(null);
  }

  private onTurnEvent(ev: TurnEvent): void {
    // A voice too short yet to be speech pauses a reply playing at once; one that fades resumes it.
    if (ev.type === "voice_onset" || ev.type === "voice_gone") {
      if (this.serverVad && !this.input.collecting) this.over.onset(ev.type === "voice_onset");
      return;
    }
    this.host.send({ type: `input.${ev.type}`, source: "server", atMs: ev.atMs });
    if (ev.type === "speech_started") {
      // Under client VAD the client's speech_started decides about continuations; ours only barges
      // in, and only while the client is sending an utterance (not when it lags behind a commit).
      if (this.serverVad) {
        this.startCollecting(ev.atMs * 16);
        this.speechStarted(ev.confirmedAfterMs);
      } else if (this.input.collecting) this.host.bargeIn();
    } else if (this.serverVad && this.input.collecting) {
      this.commit();
    }
  }

  private startCollecting(speechAt?: number): void {
    if (this.input.collecting) return;
    this.input.startCollecting(speechAt);
    this.pendingItemId = this.newItemId();
    this.host.userSpeaking();
  }

  /**
   * The user is talking (confirmed speech). Within continuationMs of their last commit, and before
   * its reply could be heard, it is the same sentence after a pause: the new words join that
   * utterance (same item id) and the reply to its first part goes. Otherwise it is a barge-in.
   * Both are judged at the moment the voice came back, `spokeAgoMs` before it was confirmed: a
   * reply that started in between (a fast one) was not heard before the speaker went on.
   */
  private speechStarted(spokeAgoMs = 0): void {
    const last = this.lastCommitted;
    this.lastCommitted = null;
    const current = this.host.currentReply();
    const spokeAt = Date.now() - spokeAgoMs;
    // The reply to the first part: still running, or already sent in full (a short one).
    const answer = last ? this.host.replyTo(last.itemId) : undefined;
    const continues =
      last !== null &&
      spokeAt - last.at <= this.settings.continuationMs &&
      (!current || current.inReplyTo === last.itemId) &&
      !answer?.heardMoreThan(CONTINUATION_HEARD_MS, spokeAt);
    if (!continues) {
      // Under server VAD a voice over a reply pauses it until judged (interruptions.ts); the client's
      // VAD has judged already.
      if (!this.serverVad) this.host.bargeIn();
      else this.over.speech(this.input.vadPosition - spokeAgoMs * 16);
      return;
    }
    this.over.continued();
    this.input.prepend(last.audio);
    this.pendingItemId = last.itemId;
    this.host.continued(last.itemId, answer);
  }

  /** Transcribes the utterance so far at a pause: the end-of-turn wait is dead time for ASR. */
  private guessAtPause(audio: Float32Array, lastVoicedAt: number): void {
    if (this.stopped || !this.settings.speculate || audio.length < MIN_SAMPLES) return;
    const abort = new AbortController();
    const transcript = this.asr.transcribe(audio, { signal: abort.signal, ...this.asrOptions });
    const speculation: Speculation = { lastVoicedAt, abort, transcript, draft: null };
    this.setSpeculation(speculation);
    transcript.then(
      (t) => {
        if (this.stopped || this.speculation !== speculation) return;
        const over = this.over.current;
        if (
          over &&
          judgeWords(t.text, this.input.voicedMsSince(over.since), this.settings.language ?? t.language, over.reply.text) === "barge_in"
        )
          this.confirmBargeIn();
        if (t.text.trim() && this.pendingItemId) speculation.draft = this.host.draft(this.pendingItemId, t.text);
        this.judgeEndOfTurn(speculation, t);
      },
      () => {}, // a failed guess is simply not used
    );
  }

  /** The end-of-turn model on the utterance so far, at its pause (server VAD): off the event loop. */
  private judgePauseAudio(audio: Float32Array, lastVoicedAt: number): void {
    if (!this.serverVad) return;
    const model = this.stopped ? undefined : this.turnModel;
    const pause: PauseJudgement = { lastVoicedAt, modelPending: model !== undefined };
    this.pause = pause;
    this.decide(pause);
    if (!model) return;
    const settle = (verdict?: { probability: number; ms: number }) => {
      pause.modelPending = false;
      if (verdict) pause.model = verdict;
      if (this.pause === pause && !this.stopped) this.decide(pause);
    };
    // Without a verdict the words decide, as with no model.
    model.predict(audio).then(settle, () => settle());
  }

  /** The pause's transcript, the other judge of the end of the turn. */
  private judgeEndOfTurn(speculation: Speculation, t: Transcript): void {
    const pause = this.pause;
    if (!this.serverVad || !pause || pause.lastVoicedAt !== speculation.lastVoicedAt) return;
    pause.words = sentenceCompleteness(t.text, this.settings.language ?? t.language);
    this.decide(pause);
  }

  /** The pause ends at the wait the judges so far call for (end-of-turn.ts has the rules). */
  private decide(pause: PauseJudgement): void {
    const { silenceMs, finishedSilenceMs = 300, unfinishedSilenceMs = 2000 } = this.settings.detection;
    const waits = { silenceMs, finishedSilenceMs, unfinishedSilenceMs };
    pause.decision = this.over.current
      ? { waitMs: Math.min(JUDGE_SILENCE_MS, unfinishedSilenceMs), rule: "voice_over_reply" }
      : endOfTurnWait(pause.model?.probability, pause.words, waits, pause.modelPending);
    this.input.endPauseAfter(pause.lastVoicedAt, pause.decision.waitMs);
  }

  /** How the turn being committed was ended, if a pause was judged (server VAD). */
  private endOfTurnRecord(): EndOfTurnRecord | undefined {
    const pause = this.pause;
    this.pause = null;
    if (!pause?.decision || pause.lastVoicedAt !== this.input.lastVoicedAt) return undefined;
    return {
      ...pause.decision,
      ...(pause.model ? { probability: Math.round(pause.model.probability * 1000) / 1000, modelMs: Math.round(pause.model.ms) } : {}),
    };
  }

  /** The newest pause's speculation replaces the last one, whose draft reply is thrown away. */
  private setSpeculation(next: Speculation | null): void {
    if (this.speculation && this.speculation !== next) {
      this.speculation.abort.abort();
      this.speculation.draft?.discard();
    }
    this.speculation = next;
  }
}
