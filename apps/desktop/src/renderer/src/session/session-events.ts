/**
 * What the voice session reports, as typed events: the pod's messages and everything the app
 * measures or decides itself. One reducer (session-reducer.ts) turns them into the store's state.
 */
import type { Conversation, ServerMessage, TurnMetrics } from "@fireside/protocol";
import type { ConnectionStatus, LinkStats } from "../transport/pod-transport";

/** GPU samples kept: ten minutes at the 5 s health poll. */
export const GPU_HISTORY = 120;

/** `paused`: the mic is on but nothing is sent, because no session is connected. */
export type MicStatus = "off" | "starting" | "listening" | "hearing-speech" | "push-to-talk" | "paused";

export interface PodHealthState {
  /** From /ready: ok only when the pod's models are loaded and it answers. */
  ok: boolean;
  loading?: boolean;
  /** A model download under way: "whisper-base 42%". */
  progress?: string;
  /** While loading: which stage's engine loads now, in words. */
  stage?: string;
  /** Stages the pod serves on a fallback engine, each in words. */
  degraded?: string[];
}

export type SessionEvent =
  | { type: "server"; message: ServerMessage }
  | { type: "connection"; status: ConnectionStatus; notice: string | null }
  | { type: "rtt"; ms: number }
  | { type: "link"; link: LinkStats }
  | { type: "mic"; status: MicStatus; muted: boolean; talkingWhileMuted: boolean }
  | { type: "mic-error"; message: string }
  | { type: "notice"; text: string }
  | { type: "input-level"; level: number }
  | { type: "playback"; bufferedMs: number; underruns: number; playing: boolean; playedMs: number; audible: boolean; level: number }
  | { type: "audible"; audible: boolean }
  | { type: "latency"; responseId: string; metrics: Partial<TurnMetrics> }
  | { type: "typed"; id: string; text: string }
  | { type: "conversation"; id: string | null }
  | { type: "stored"; conversation: Conversation }
  | { type: "health"; health: PodHealthState }
  | { type: "gpu"; at: number; utilisation: number; memoryMiB: number; memoryTotalMiB: number };

export type Emit = (ev: SessionEvent) => void;
