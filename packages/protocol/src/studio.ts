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
