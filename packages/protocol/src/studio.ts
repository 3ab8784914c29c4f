/**
 * Shapes of the voice studio's REST API (docs/studio.md), shared by the pod and the app.
 */
import type { Speaker } from "./dialogue-script.js";

export interface VoiceQuality {
  sentence: string;
  transcript: string;
  /** Word error rate of the clone reading `sentence`, as the pod's ASR heard it. */
  wer: number;
  /** Cosine similarity of speaker embeddings; null where no embedding model is installed. */
  similarity: number | null;
  similarityNote: string;
  verdict: "good" | "fair" | "poor";
  engine: string;
  assessedAt: string;
}

/** A voice as GET /v1/voices lists it: a preset of the TTS engine, or a stored profile. */
export interface VoiceSummary {
  id: string;
  name: string;
  language: string;
  preset: boolean;
  transcript?: string;
  durationMs?: number;
  quality?: VoiceQuality | null;
}

/** GET /v1/voices. */
export interface VoiceList {
  voices: VoiceSummary[];
  /** Whether this pod can speak a cloned voice, and its TTS engine's name (to say why not). */
  cloning: { available: boolean; engine: string | null };
  /** The voice a conversation speaks when its hello names none; null while the engines load. */
  defaultVoice: string | null;
}

export type DialogueJobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface DialogueJob {
  id: string;
  status: DialogueJobStatus;
  /** 0…1 */
  progress: number;
  lines: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LineTiming {
  index: number;
  speaker: Speaker;
  text: string;
  startMs: number;
  endMs: number;
}

/** WebSocket path where the pod pushes dialogue job progress (token as `?token=`). */
export const DIALOGUE_EVENTS_PATH = "/v1/dialogues/events";

/** A voice profile's reference clip: what the pod accepts (docs/studio.md), and what the app checks before uploading. */
export const REFERENCE_CLIP = {
  minMs: 3000,
  maxMs: 30_000,
  minSampleRate: 16000,
} as const;

/**
 * Server → client events on DIALOGUE_EVENTS_PATH: first a snapshot of every job, then each change
 * as it happens (queued, every rendered line, done/failed/cancelled) and deletions. A client that
 * reconnects gets a fresh snapshot, so it never misses a final state.
 */
export type DialogueEvent =
  | { type: "dialogue.jobs"; jobs: DialogueJob[] }
  | { type: "dialogue.job"; job: DialogueJob }
  | { type: "dialogue.removed"; id: string };
