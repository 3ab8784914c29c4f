/**
 * Every JSON control message of fireside.v1, defined once. Servers and clients import these
 * schemas and types; nothing else defines a message shape. Audio travels in binary frames
 * (audio-frame.ts), never here.
 */
import { z } from "zod";
import { OPUS_SAMPLE_RATES } from "./audio-frame.js";
import { ERROR_CODE_LIST } from "./errors.js";
import { LIMITS, SAMPLE_RATES } from "./limits.js";
import { SUPPORTED_PROTOCOLS } from "./version.js";

const sampleRate = z.union(SAMPLE_RATES.map((r) => z.literal(r)) as [z.ZodLiteral<8000>, ...z.ZodLiteral<number>[]]);
/** pcm_s16le at any protocol rate, or opus at a rate Opus codes at (docs/protocol.md). */
const audioFormat = z
  .object({ codec: z.enum(["pcm_s16le", "opus"]), sampleRate })
  .refine((f) => f.codec !== "opus" || (OPUS_SAMPLE_RATES as readonly number[]).includes(f.sampleRate), {
    message: `opus needs a sample rate of ${OPUS_SAMPLE_RATES.join(", ")} Hz`,
  });
const id = z.string().min(1).max(64);

/** How the end of the user's turn is found. */
export const turnDetectionSchema = z.object({
  /** client_vad: the client sends speech_started/stopped and commit; server_vad: the server's VAD decides. */
  mode: z.enum(["client_vad", "server_vad"]).default("server_vad"),
  /** Silence that ends a turn under server_vad. */
  silenceMs: z.number().int().min(100).max(5000).default(600),
  /** Speech probability above which a frame counts as speech. */
  threshold: z.number().min(0.05).max(0.95).default(0.5),
  /** Speech shorter than this is ignored (coughs, clicks). */
  minSpeechMs: z.number().int().min(0).max(2000).default(200),
  /**
   * server_vad: silence that ends a turn that sounds finished (the end-of-turn model) or, without
   * a model, whose pause transcript reads as a finished sentence ("What time is it?"). Default 300;
   * set it to silenceMs to end turns on silence alone. See "How a turn ends" in docs/protocol.md.
   */
  finishedSilenceMs: z.number().int().min(100).max(5000).optional(),
  /** server_vad: silence that ends a turn whose words cannot end a sentence ("and", "the", "um"), or that sounds unfinished while its words are not in. Default 2000. */
  unfinishedSilenceMs: z.number().int().min(100).max(5000).optional(),
});
export type TurnDetection = z.infer<typeof turnDetectionSchema>;

// ---------------------------------------------------------------- client → server

export const clientMessageSchemas = {
  "session.hello": z.object({
    type: z.literal("session.hello"),
    /** Versions the client speaks, most preferred first. */
    protocols: z.array(z.string()).min(1),
    token: z.string().optional(),
    audio: z.object({ input: audioFormat, output: audioFormat }),
    language: z.string().min(2).max(8).optional(),
    voice: z.string().max(128).optional(),
    /** System prompt that sets the assistant's persona. */
    persona: z.string().max(8000).optional(),
    turnDetection: turnDetectionSchema.optional(),
    client: z.object({ name: z.string().max(64), version: z.string().max(32) }).optional(),
    /** `resumeToken` of an earlier session.ready: within the grace window, that session comes back. */
    resume: z.string().min(1).max(128).optional(),
    /** Continue a conversation stored on the pod (its history is the LLM's context); ignored when resuming. */
    conversationId: id.optional(),
  }),
  "input.speech_started": z.object({ type: z.literal("input.speech_started") }),
  "input.speech_stopped": z.object({ type: z.literal("input.speech_stopped") }),
  /** End of the user's utterance: transcribe what was appended and answer. */
  "input.audio.commit": z.object({ type: z.literal("input.audio.commit") }),
  /** Drop audio appended since the last commit. */
  "input.audio.clear": z.object({ type: z.literal("input.audio.clear") }),
  /** A typed user message, answered like a spoken one. */
  "input.text": z.object({ type: z.literal("input.text"), text: z.string().min(1).max(LIMITS.maxInputTextChars) }),
  /**
   * Barge-in: the client stopped playback. `playedSamples` (at the output rate) is what the user
   * actually heard; the server cuts the assistant turn in history to that.
   */
  "response.interrupt": z.object({
    type: z.literal("response.interrupt"),
    responseId: id,
    playedSamples: z.number().int().min(0),
  }),
  "response.cancel": z.object({ type: z.literal("response.cancel"), responseId: id.optional() }),
  /** What only the client can measure: end of user speech → first reply sample played. */
  "client.metrics": z.object({
    type: z.literal("client.metrics"),
    responseId: id,
    voiceToVoiceMs: z.number().min(0).max(600_000),
    /** Last voiced frame → commit, as the client's VAD waited it out. */
    endOfTurnMs: z.number().min(0).max(60_000).optional(),
    underruns: z.number().int().min(0).optional(),
  }),
  ping: z.object({ type: z.literal("ping"), id: z.number().int(), t: z.number() }),
  pong: z.object({ type: z.literal("pong"), id: z.number().int(), t: z.number() }),
} as const;

export const clientMessageSchema = z.discriminatedUnion(
  "type",
  Object.values(clientMessageSchemas) as unknown as [
    (typeof clientMessageSchemas)["session.hello"],
    ...(typeof clientMessageSchemas)[keyof typeof clientMessageSchemas][],
  ],
);
export type ClientMessage = z.infer<(typeof clientMessageSchemas)[keyof typeof clientMessageSchemas]>;
export type ClientMessageOf<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

// ---------------------------------------------------------------- server → client

/** `remote`: an endpoint elsewhere (a hosted API, another machine) whose hardware the pod does not know. */
/** A stage served by its fallback engine: which stage, what was wanted, what serves, and why. */
export const degradation = z.object({
  stage: z.enum(["vad", "asr", "llm", "tts", "speaker", "turn"]),
  wanted: z.string(),
  serving: z.string(),
  reason: z.string(),
});
export type Degradation = z.infer<typeof degradation>;

const engineInfo = z.object({ name: z.string(), model: z.string(), device: z.enum(["cpu", "cuda", "remote"]) });

export const sessionStates = ["idle", "user_speaking", "transcribing", "thinking", "speaking", "interrupted", "closed"] as const;
export type SessionState = (typeof sessionStates)[number];

/** Which rule ended a turn (apps/pod-server/src/session/end-of-turn.ts). */
export const END_OF_TURN_RULES = [
  "audio_finished",
  "audio_unfinished",
  "audio_unsure_words_finished",
  "words_finished",
  "words_unfinished",
  "silence",
  "no_verdict",
  "voice_over_reply",
] as const;
export type EndOfTurnRule = (typeof END_OF_TURN_RULES)[number];

const stageMetrics = z.object({
  /** Last voiced frame → commit: the silence waited to be sure the turn was over (server VAD, or the client's report). */
  endOfTurnMs: z.number().optional(),
  /** End of user speech (commit) → final transcript. */
  asrMs: z.number().optional(),
  /** Final transcript → first LLM token. */
  llmFirstTokenMs: z.number().optional(),
  /**
   * Present when the reply was drafted during the end-of-turn silence on the pause's transcript:
   * how long before the commit the LLM started. Stages it overlapped (LLM first token, TTS first
   * audio) then count only their time after the commit.
   */
  draftLeadMs: z.number().optional(),
  /** First text handed to TTS → first audio sample out of TTS. */
  ttsFirstAudioMs: z.number().optional(),
  /** Commit → first audio frame written to the socket. */
  firstAudioSentMs: z.number().optional(),
  /** Reported by the client: last voiced input frame → first reply sample played (the end-of-turn wait included). */
  voiceToVoiceMs: z.number().optional(),
});

/** Why a reply paused for a sound played on (apps/pod-server/src/session/interruptions.ts). */
export const FALSE_INTERRUPTIONS = ["backchannel", "noise", "echo"] as const;
export type FalseInterruption = (typeof FALSE_INTERRUPTIONS)[number];

export const serverMessageSchemas = {
  "session.ready": z.object({
    type: z.literal("session.ready"),
    protocol: z.enum(SUPPORTED_PROTOCOLS),
    sessionId: id,
    /** Send it as `session.hello.resume` after a dropped connection; valid once, for `resumeGraceMs`. */
    resumeToken: z.string(),
    resumeGraceMs: z.number().int().min(0),
    /** True when `resume` was honoured: same session id, conversation, voice, persona and settings. */
    resumed: z.boolean(),
    /** The stored conversation this session adds to (absent until its first turn, unless continued). */
    conversationId: id.optional(),
    audio: z.object({ input: audioFormat, output: audioFormat }),
    capabilities: z.object({
      engines: z.object({ vad: engineInfo, asr: engineInfo, llm: engineInfo, tts: engineInfo }),
      voices: z.array(z.object({ id: z.string(), name: z.string(), language: z.string() })),
      sampleRates: z.array(sampleRate),
      turnDetection: z.array(z.enum(["client_vad", "server_vad"])),
      /** Audio codecs the pod speaks, either direction (negotiated per direction in session.hello). */
      codecs: z.array(z.enum(["pcm_s16le", "opus"])),
      asrPartials: z.boolean(),
      /** GPU telemetry at connect time (empty on CPU pods); /health has it live. */
      gpus: z
        .array(
          z.object({
            name: z.string(),
            utilisation: z.number(),
            memoryMiB: z.number(),
            memoryTotalMiB: z.number(),
            temperatureC: z.number(),
          }),
        )
        .default([]),
      /** Stages served by a fallback because the preferred engine failed to load (empty when none). */
      degraded: z.array(degradation).default([]),
    }),
  }),
  "session.state": z.object({ type: z.literal("session.state"), state: z.enum(sessionStates) }),
  /**
   * The pod is leaving (drained before a deploy or a scale-down) or past its capacity (overloaded):
   * reconnect now and resume with `resumeToken`; the balancer sends the new socket to another pod.
   * The socket closes with 1012.
   */
  "session.moving": z.object({
    type: z.literal("session.moving"),
    reason: z.enum(["draining", "overloaded"]),
    resumeToken: z.string(),
    resumeGraceMs: z.number().int().min(0),
  }),
  /** The session's first turn was stored: the conversation's id, to continue it later. */
  "conversation.started": z.object({ type: z.literal("conversation.started"), conversationId: id }),
  "input.speech_started": z.object({
    type: z.literal("input.speech_started"),
    source: z.enum(["client", "server"]),
    /** Position in the input stream, ms. */
    atMs: z.number().min(0),
  }),
  "input.speech_stopped": z.object({
    type: z.literal("input.speech_stopped"),
    source: z.enum(["client", "server"]),
    atMs: z.number().min(0),
  }),
  "input.committed": z.object({ type: z.literal("input.committed"), itemId: id, durationMs: z.number().min(0) }),
  "transcript.partial": z.object({ type: z.literal("transcript.partial"), itemId: id, text: z.string() }),
  "transcript.final": z.object({
    type: z.literal("transcript.final"),
    itemId: id,
    text: z.string(),
    /** 0..1, from the recogniser's token probabilities; absent where the engine does not report them. */
    confidence: z.number().min(0).max(1).optional(),
    language: z.string(),
  }),
  "response.created": z.object({
    type: z.literal("response.created"),
    responseId: id,
    /** The streamId its binary audio frames carry. */
    streamId: z.number().int().min(0),
    inReplyTo: id,
  }),
  "response.text.delta": z.object({ type: z.literal("response.text.delta"), responseId: id, delta: z.string() }),
  "response.audio.started": z.object({
    type: z.literal("response.audio.started"),
    responseId: id,
    streamId: z.number().int().min(0),
    format: audioFormat,
  }),
  /**
   * One clause of the reply and where its audio lies in the reply's stream (output-rate samples):
   * captions shown as each clause starts playing stay in step with the voice.
   */
  "response.caption": z.object({
    type: z.literal("response.caption"),
    responseId: id,
    text: z.string(),
    startSample: z.number().int().min(0),
    endSample: z.number().int().min(0),
  }),
  "response.audio.done": z.object({ type: z.literal("response.audio.done"), responseId: id, totalSamples: z.number().int().min(0) }),
  "response.completed": z.object({
    type: z.literal("response.completed"),
    responseId: id,
    status: z.enum(["completed", "interrupted", "cancelled", "failed"]),
    /** The assistant's turn as kept in history (cut to what was heard when interrupted). */
    text: z.string(),
  }),
  /**
   * Server VAD heard a voice while this reply plays: pause playback where it is, keeping what is
   * buffered. `response.resumed` (it was a backchannel or a noise) or `response.interrupted`
   * (a barge-in) follows.
   */
  "response.paused": z.object({ type: z.literal("response.paused"), responseId: id }),
  /** The sound that paused the reply was not a barge-in: play on from where it paused. */
  "response.resumed": z.object({
    type: z.literal("response.resumed"),
    responseId: id,
    reason: z.enum(FALSE_INTERRUPTIONS),
    /** How long the pod held the reply. */
    pausedMs: z.number().int().min(0),
  }),
  /** Acknowledges response.interrupt (or a server-side barge-in) once history is cut. */
  "response.interrupted": z.object({
    type: z.literal("response.interrupted"),
    responseId: id,
    playedSamples: z.number().int().min(0),
    heardText: z.string(),
  }),
  "turn.metrics": z.object({
    type: z.literal("turn.metrics"),
    responseId: id,
    metrics: stageMetrics,
    /** Server VAD: how the end of the user's turn was decided (see docs/protocol.md, "How a turn ends"). */
    endOfTurn: z
      .object({
        rule: z.enum(END_OF_TURN_RULES),
        /** The silence the rule called for, in ms. */
        waitMs: z.number(),
        /** The end-of-turn model's probability that the speaker had finished, when it answered in time. */
        probability: z.number().min(0).max(1).optional(),
        /** Its inference time, features included. */
        modelMs: z.number().optional(),
      })
      .optional(),
  }),
  error: z.object({
    type: z.literal("error"),
    code: z.enum(ERROR_CODE_LIST),
    message: z.string(),
    retryable: z.boolean(),
    /** The type of the client message that caused it, when there was one. */
    inReplyTo: z.string().optional(),
    /** E_RATE_LIMITED: wait this long before connecting or sending again. */
    retryAfterMs: z.number().int().min(0).optional(),
  }),
  ping: z.object({ type: z.literal("ping"), id: z.number().int(), t: z.number() }),
  pong: z.object({ type: z.literal("pong"), id: z.number().int(), t: z.number() }),
} as const;

export const serverMessageSchema = z.discriminatedUnion(
  "type",
  Object.values(serverMessageSchemas) as unknown as [
    (typeof serverMessageSchemas)["session.ready"],
    ...(typeof serverMessageSchemas)[keyof typeof serverMessageSchemas][],
  ],
);
export type ServerMessage = z.infer<(typeof serverMessageSchemas)[keyof typeof serverMessageSchemas]>;
export type ServerMessageOf<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;
export type TurnMetrics = z.infer<typeof stageMetrics>;
