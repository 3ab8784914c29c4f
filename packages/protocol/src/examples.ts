/**
 * One documented example per message. docs/protocol.md is generated from this file
 * (`pnpm --filter @fireside/protocol docs`) and a test checks the two agree and that every
 * example passes its schema.
 */
import type { ClientMessage, ServerMessage } from "./messages.js";

type Doc<M> = { [K in M extends { type: infer T extends string } ? T : never]: { about: string; example: Extract<M, { type: K }> } };

export const clientMessageDocs: Doc<ClientMessage> = {
  "session.hello": {
    about:
      "First message on a new socket. Offers protocol versions, the auth token, audio formats both ways, and the conversation's settings. Before it, a `ping` is answered with `pong` and a frame that is not JSON with E_BAD_JSON; any other message or audio is refused with E_NOT_READY (the socket stays open). Messages and audio sent after the hello but before its session.ready are held and handled once it is accepted (at most 256 frames; more are refused with E_NOT_READY). After a dropped connection, `resume` (the last session.ready's `resumeToken`) brings the session back within the grace window; `conversationId` continues a stored conversation instead (after the window, or a pod restart).",
    example: {
      type: "session.hello",
      protocols: ["fireside.v1"],
      token: "s3cret",
      audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
      language: "en",
      voice: "en_US-joe-medium",
      persona: "You are Fireside, a concise, friendly voice assistant.",
      turnDetection: {
        mode: "server_vad",
        silenceMs: 600,
        threshold: 0.5,
        minSpeechMs: 200,
        finishedSilenceMs: 300,
        unfinishedSilenceMs: 2000,
      },
      client: { name: "fireside-desktop", version: "0.1.0" },
      resume: "m1Qb0vU3pX…",
    },
  },
  "input.speech_started": {
    about: "The client's VAD heard speech start. During a reply this is a barge-in: the server stops generating at once.",
    example: { type: "input.speech_started" },
  },
  "input.speech_stopped": {
    about: "The client's VAD heard speech end. Under client_vad the client follows it with input.audio.commit.",
    example: { type: "input.speech_stopped" },
  },
  "input.audio.commit": {
    about: "Ends the user's utterance: the audio appended since the last commit is transcribed and answered.",
    example: { type: "input.audio.commit" },
  },
  "input.audio.clear": {
    about: "Drops the audio appended since the last commit (for example a push-to-talk press that was cancelled).",
    example: { type: "input.audio.clear" },
  },
  "input.text": {
    about: "A typed user turn, answered with text and speech like a spoken one.",
    example: { type: "input.text", text: "What's a good name for a cat?" },
  },
  "response.interrupt": {
    about:
      "The user barged in and the client stopped playback. playedSamples, counted at the output sample rate, is how much of the reply's audio was actually played; the server cuts the assistant turn in history to the words heard and answers with response.interrupted.",
    example: { type: "response.interrupt", responseId: "resp_3", playedSamples: 36000 },
  },
  "response.cancel": {
    about: "Cancels the current (or the named) response without a barge-in; history keeps nothing of it.",
    example: { type: "response.cancel", responseId: "resp_3" },
  },
  "client.metrics": {
    about: "What only the client can measure: end of user speech to the first reply sample played, and playout underruns.",
    example: { type: "client.metrics", responseId: "resp_3", voiceToVoiceMs: 840, underruns: 0 },
  },
  ping: { about: "Keepalive; the other side answers pong with the same id and t.", example: { type: "ping", id: 7, t: 1732450000000 } },
  pong: { about: "Answer to ping.", example: { type: "pong", id: 7, t: 1732450000000 } },
};

export const serverMessageDocs: Doc<ServerMessage> = {
  "session.ready": {
    about:
      "Accepts session.hello: the chosen protocol, the audio formats in force, what this pod can do, the token to resume this session after a drop (once, within `resumeGraceMs`), whether this hello resumed one, and the stored conversation it adds to. `capabilities.degraded` lists stages served by a fallback engine because the preferred one failed to load (each with `stage`, `wanted`, `serving`, `reason`); empty when none.",
    example: {
      type: "session.ready",
      protocol: "fireside.v1",
      sessionId: "sess_9f2c41ab",
      resumeToken: "Zk3nA0q9…",
      resumeGraceMs: 120000,
      resumed: false,
      conversationId: "conv_5d1e2f0a9b7c4e11",
      audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
      capabilities: {
        engines: {
          vad: { name: "silero", model: "silero_vad_v5", device: "cpu" },
          asr: { name: "whisper-cpp", model: "whisper-base", device: "cpu" },
          llm: { name: "llama-cpp", model: "SmolLM2-135M-Instruct.Q4_1", device: "cpu" },
          tts: { name: "piper", model: "en_US-joe-medium", device: "cpu" },
        },
        voices: [{ id: "en_US-joe-medium", name: "Joe (US English)", language: "en" }],
        sampleRates: [16000, 24000, 48000],
        turnDetection: ["client_vad", "server_vad"],
        codecs: ["pcm_s16le", "opus"],
        asrPartials: true,
        gpus: [{ name: "NVIDIA H100 80GB HBM3", utilisation: 37, memoryMiB: 21480, memoryTotalMiB: 81559, temperatureC: 44 }],
        degraded: [],
      },
    },
  },
  "conversation.started": {
    about:
      "The session's first turn was stored as a new conversation (docs/studio.md): send its id as session.hello.conversationId to continue it after the resume window or a pod restart.",
    example: { type: "conversation.started", conversationId: "conv_5d1e2f0a9b7c4e11" },
  },
  "session.moving": {
    about:
      'The pod is draining (a deploy, a scale-down; `reason: "draining"`), or it is past its capacity (`"overloaded"`: a burst was let in before its load showed, and its event loop has run more than twice `FIRESIDE_ADMIT_MAX_LAG_MS` late for two seconds running; it moves its newest conversations first, 5 % per second, until it keeps up): once the reply in progress has ended it sends this, then closes the socket with 1012. Reconnect at once to the same address — the balancer picks another pod — with `resume` set to `resumeToken`: the session, its conversation and settings carry on there. A client that ignores it reconnects after the close the same way. With no other pod, the reconnect of an overloaded pod\'s conversation may be answered `E_BUSY`: retry after a pause (the resume token holds for `resumeGraceMs`).',
    example: { type: "session.moving", reason: "draining", resumeToken: "n3v1Gq0…", resumeGraceMs: 120000 },
  },
  "session.state": {
    about: "The session's state machine moved (idle, user_speaking, transcribing, thinking, speaking, interrupted, closed).",
    example: { type: "session.state", state: "thinking" },
  },
  "input.speech_started": {
    about: "Speech start as the server knows it: echoed from the client's VAD or found by its own.",
    example: { type: "input.speech_started", source: "server", atMs: 1040 },
  },
  "input.speech_stopped": {
    about: "Speech end as the server knows it.",
    example: { type: "input.speech_stopped", source: "server", atMs: 3920 },
  },
  "input.committed": {
    about: "The utterance was closed and handed to the recogniser.",
    example: { type: "input.committed", itemId: "item_4", durationMs: 2880 },
  },
  "transcript.partial": {
    about: "A provisional transcript of the utterance so far; later ones replace earlier ones.",
    example: { type: "transcript.partial", itemId: "item_4", text: "what is the wea" },
  },
  "transcript.final": {
    about:
      "The utterance's final transcript and its detected language; `confidence` (0–1) only where the engine reports token probabilities (the whisper.cpp bindings in use do not, so it is absent today).",
    example: { type: "transcript.final", itemId: "item_4", text: "What is the weather like in Paris?", language: "en" },
  },
  "response.created": {
    about: "The assistant starts answering item inReplyTo; its audio frames carry streamId.",
    example: { type: "response.created", responseId: "resp_3", streamId: 3, inReplyTo: "item_4" },
  },
  "response.text.delta": {
    about: "More of the reply's text as the LLM writes it.",
    example: { type: "response.text.delta", responseId: "resp_3", delta: "It's sunny" },
  },
  "response.audio.started": {
    about: "The first audio frame of the reply follows; format is the negotiated output format.",
    example: { type: "response.audio.started", responseId: "resp_3", streamId: 3, format: { codec: "pcm_s16le", sampleRate: 24000 } },
  },
  "response.caption": {
    about:
      "A clause of the reply, sent once its audio is queued, with the sample range it occupies in the reply's audio stream. Show it when playback reaches startSample: captions then keep pace with the voice (response.text.delta runs ahead of it). After a barge-in, response.interrupted.heardText is what was heard.",
    example: {
      type: "response.caption",
      responseId: "resp_3fa9c1_4",
      text: "Paris is the capital of France.",
      startSample: 0,
      endSample: 52800,
    },
  },
  "response.audio.done": {
    about: "No more audio frames for this reply; totalSamples were sent.",
    example: { type: "response.audio.done", responseId: "resp_3", totalSamples: 91200 },
  },
  "response.completed": {
    about: "The reply ended. text is the assistant turn as history keeps it.",
    example: { type: "response.completed", responseId: "resp_3", status: "completed", text: "It's sunny and mild in Paris today." },
  },
  "response.paused": {
    about:
      'Server VAD only: a voice or sound started while this reply plays (or is still playing out at the client). Pause playback at once, keeping what is buffered; the pod stops sending its audio meanwhile. Once the sound has ended (or is plainly speech) the pod says which it was: response.resumed (a backchannel such as "mm-hm", a noise, or the reply\'s own echo) or response.interrupted (a barge-in). See "Sounds during a reply".',
    example: { type: "response.paused", responseId: "resp_3" },
  },
  "response.resumed": {
    about:
      'The sound that paused the reply was not a barge-in — reason backchannel ("mm-hm", "yeah", "right"), noise (no words) or echo (the reply\'s own words coming back through the microphone): play on from where playback paused; the pod sends the rest of the audio. pausedMs is how long the pod held it.',
    example: { type: "response.resumed", responseId: "resp_3", reason: "backchannel", pausedMs: 840 },
  },
  "response.interrupted": {
    about:
      'Acknowledges a barge-in: generation stopped and history now holds only heardText. Also takes back a reply that was sent in full but not yet heard when the user\'s sentence went on (heardText "", see Turn-taking): a client stops playing it.',
    example: { type: "response.interrupted", responseId: "resp_3", playedSamples: 36000, heardText: "It's sunny and" },
  },
  "turn.metrics": {
    about:
      "Stage latencies of one turn in ms, sent once the first audio frame is out (or when the turn ends without audio); also on /metrics. `endOfTurnMs`: the silence waited after the last voiced frame (server VAD). `endOfTurn` (server VAD): which rule ended the turn, the wait it called for, and the end-of-turn model's probability and time when it answered (see How a turn ends). `draftLeadMs`, only when the reply was drafted during that silence: how long before the commit the LLM started (the LLM and TTS figures then count only their time after the commit).",
    example: {
      type: "turn.metrics",
      responseId: "resp_3",
      metrics: { endOfTurnMs: 320, asrMs: 110, llmFirstTokenMs: 120, ttsFirstAudioMs: 95, firstAudioSentMs: 400 },
      endOfTurn: { rule: "audio_finished", waitMs: 300, probability: 0.97, modelMs: 74 },
    },
  },
  error: {
    about:
      "Something failed. code is stable (see the table below), message is for people, retryable says whether trying again can help; `retryAfterMs` (E_RATE_LIMITED only) says when. `inReplyTo` names what failed: the client message's type, `audio`, `json` or `turn`; for a turn that was answered but could not be stored (E_STORAGE_FULL when the pod's disk is full, E_STORAGE_UNAVAILABLE when a fleet's database cannot be reached), the item or response id of the words that were not kept.",
    example: {
      type: "error",
      code: "E_AUDIO_FORMAT",
      message: "sample rate 44100 Hz differs from the negotiated 16000 Hz",
      retryable: false,
      inReplyTo: "audio",
    },
  },
  ping: { about: "Keepalive from the server (every 25 s, under proxies' idle cuts).", example: { type: "ping", id: 12, t: 1732450000000 } },
  pong: { about: "Answer to the client's ping.", example: { type: "pong", id: 7, t: 1732450000000 } },
};
