/**
 * One interface per pipeline stage. Engines are chosen by config (engines/create-engines.ts);
 * the session pipeline only sees these interfaces, so CPU and GPU engines run the same code.
 */
import type { Degradation, Speaker } from "@fireside/protocol";

/** Live conversation turns go before studio work on a shared engine. */
export type Priority = "live" | "studio";

export interface EngineInfo {
  name: string;
  model: string;
  /** `remote`: an endpoint elsewhere whose hardware the pod does not know. */
  device: "cpu" | "cuda" | "remote";
}

interface Engine {
  readonly info: EngineInfo;
  close(): Promise<void>;
}

/** Voice activity detection on 16 kHz mono float frames of `frameSamples`. */
export interface VadEngine extends Engine {
  readonly sampleRate: 16000;
  readonly frameSamples: number;
  /** One stream per session: the model is recurrent and keeps state between frames. */
  createStream(): VadStream;
}

export interface VadStream {
  /** Speech probability (0..1) of one frame. */
  process(frame: Float32Array): Promise<number>;
  reset(): void;
}

export interface Transcript {
  text: string;
  /** 0..1, where the engine reports token probabilities. */
  confidence?: number;
  language: string;
}

/** Speech recognition on 16 kHz mono float audio. */
export interface AsrEngine extends Engine {
  readonly sampleRate: 16000;
  /** Whether the engine is cheap enough to re-run on growing audio for partial transcripts. */
  readonly supportsPartials: boolean;
  /** `priority`: live turns go before studio work (engines/prioritised.ts); default live. */
  transcribe(audio: Float32Array, opts: { language?: string; signal?: AbortSignal; priority?: Priority }): Promise<Transcript>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface LlmStreamOptions {
  signal: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  /**
   * Which conversation asks. Engines with a local KV cache route a conversation back to the cache
   * that already holds its persona and history, so only the new turn is evaluated.
   */
  cacheKey?: string;
}

/** Streaming chat completion. Stops promptly when `signal` aborts. */
export interface LlmEngine extends Engine {
  stream(messages: ChatMessage[], opts: LlmStreamOptions): AsyncIterable<string>;
  /**
   * Engines with a local KV cache: evaluates the next prompt up to where its last message's
   * words will begin (persona, history, the user turn's opening) into the conversation's cache
   * while the user is still speaking, so the turn evaluates only its own words. `messages` ends
   * with that user message, its text not yet known. Best effort: it never rejects.
   */
  prefill?(messages: ChatMessage[], opts: { cacheKey: string }): Promise<void>;
}

export interface SynthesisContext {
  id: string;
  /** Who speaks this turn, for multi-speaker dialogues (default S1). */
  speaker?: Speaker;
}

export interface VoiceInfo {
  id: string;
  name: string;
  language: string;
}

/**
 * Streaming speech synthesis: yields float chunks at `sampleRate` (FireRedTTS2: 24 kHz, 80 ms
 * chunks). Cancellation is checked between chunks.
 */
export interface TtsEngine extends Engine {
  readonly sampleRate: number;
  readonly voices: VoiceInfo[];
  /**
   * `priority`: live conversation turns go before studio jobs on a shared GPU. `context`: texts
   * sharing a context id are turns of one dialogue or conversation; an engine that can (FireRedTTS2
   * on its dialogue checkpoint) conditions each turn on the earlier ones, others ignore it.
   */
  synthesize(
    text: string,
    opts: { voice?: string; signal: AbortSignal; priority?: Priority; context?: SynthesisContext },
  ): AsyncIterable<Float32Array>;
  /** Frees a context's earlier turns. */
  endContext?(id: string): void;
  /** Zero-shot engines (FireRedTTS2) clone a voice from a reference clip; preset-only engines lack this. */
  registerVoice?(id: string, audioPath: string, transcript: string): Promise<void>;
}

/** A speaker's voice as a vector: compares voices (clone quality) and finds clips holding several voices. */
export interface SpeakerEmbedding {
  /** Unit-length embedding of the whole clip. */
  embedding: Float32Array;
  /** One embedding per back-to-back 1.6 s stretch of speech, in time order. */
  partials: Float32Array[];
}

/** Speaker embeddings of 16 kHz mono audio. */
export interface SpeakerEncoder extends Engine {
  readonly sampleRate: 16000;
  embed(audio: Float32Array, opts?: { priority?: Priority }): Promise<SpeakerEmbedding>;
}

/** What an end-of-turn model makes of an utterance's audio up to a pause. */
export interface EndOfTurnVerdict {
  /** Probability that the speaker has finished their turn (0..1). */
  probability: number;
  /** Inference time, features included. */
  ms: number;
}

/** An end-of-turn model on the audio itself (intonation, rhythm, a trailing "um"). */
export interface EndOfTurnModel extends Engine {
  /** The 16 kHz utterance up to now; the model looks at its last 8 s. */
  predict(audio: Float32Array): Promise<EndOfTurnVerdict>;
}

export interface Engines {
  vad: VadEngine;
  asr: AsrEngine;
  llm: LlmEngine;
  tts: TtsEngine;
  /** Loaded by every real pod; test doubles may leave it out (studio checks then say so). */
  speaker?: SpeakerEncoder;
  /** The end-of-turn model (FIRESIDE_TURN_MODEL); without it the pause's transcript decides alone. */
  turn?: EndOfTurnModel;
  /** Stages served by a fallback because their preferred engine failed to load (engines/fallbacks.ts). */
  degraded?: Degradation[];
}

/** Thrown by engines; the session reports it as E_ENGINE and keeps the connection. */
export class EngineError extends Error {
  constructor(
    readonly stage: "vad" | "asr" | "llm" | "tts" | "speaker" | "turn",
    message: string,
  ) {
    super(`${stage}: ${message}`);
    this.name = "EngineError";
  }
}
