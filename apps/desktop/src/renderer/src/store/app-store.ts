/**
 * The renderer's state, in one zustand store. Components read it; the voice session's events reach it
 * only through `dispatch` (session/session-reducer.ts); settings and views write their own fields with `set`.
 */
import type { ServerMessageOf, SessionState, TurnMetrics } from "@fireside/protocol";
import { create } from "zustand";
import { DEFAULT_SETTINGS, type Settings } from "../../../shared/settings";
import type { MicStatus, PodHealthState, SessionEvent } from "../session/session-events";
import { reduceSessionEvent } from "../session/session-reducer";
import type { ConnectionStatus, LinkStats } from "../transport/pod-transport";

export type { ConnectionStatus };

export interface Turn {
  /** itemId for the user, responseId for the assistant */
  id: string;
  role: "user" | "assistant";
  text: string;
  /** user: still a partial transcript; assistant: still streaming */
  live: boolean;
  status?: "completed" | "interrupted" | "cancelled" | "failed";
  /** Assistant: the reply's clauses with the sample where each starts playing (captions in step). */
  captions?: { text: string; startSample: number }[];
}

export interface TurnLatency extends TurnMetrics {
  responseId: string;
  /** How the pod ended the user's turn (server VAD): the rule, its wait, the end-of-turn model's probability. */
  endOfTurn?: ServerMessageOf<"turn.metrics">["endOfTurn"];
  /** Sounds over this reply the pod judged a backchannel, a noise or an echo, after which it played on. */
  resumes?: number;
}

export interface PlaybackStats {
  bufferedMs: number;
  underruns: number;
  /** Reply audio is coming out of the speaker now. */
  playing: boolean;
  playedMs: number;
}

export interface GpuPoint {
  at: number;
  utilisation: number;
  memoryMiB: number;
  memoryTotalMiB: number;
}

export interface AppState {
  settings: Settings;
  connection: ConnectionStatus;
  /** A sentence a person understands, or null (the banner). */
  notice: string | null;
  /** What the connection says of itself (a retry's timing, why it stopped): the connection card shows it, once. */
  connectionNotice: string | null;
  rttMs: number | null;
  /** Codecs, bitrate, jitter and loss of the reply's frames (transport/pod-connection.ts). */
  link: LinkStats | null;
  /** The reply's audio arrives too lossy or jittery to sound right: why, in a sentence (session/link-quality.ts). */
  linkWarning: string | null;
  server: ServerMessageOf<"session.ready"> | null;
  /** From /ready: ok only when the pod's models are loaded and it answers. */
  health: PodHealthState | null;
  /** The pod's GPU from /health, one sample per poll (the last GPU_HISTORY, session-events.ts); empty on CPU pods. */
  gpuHistory: GpuPoint[];
  /** The stored conversation this session adds to (docs/studio.md). */
  conversationId: string | null;
  sessionState: SessionState;
  mic: MicStatus;
  /** Whether a token is saved (the token itself stays out of the store): a refusal then means a wrong one, else a missing one. */
  tokenSet: boolean;
  /** The user muted the mic: nothing is sent and speech does not interrupt. */
  muted: boolean;
  /** Muted, and the local VAD hears the user talking: the UI says so (nothing is sent). */
  talkingWhileMuted: boolean;
  micError: string | null;
  turns: Turn[];
  latencies: TurnLatency[];
  playback: PlaybackStats;
  /** The current reply is audible now: the state pill and the Interrupt button follow this, not the pod's state. */
  audible: boolean;
  levels: { input: number; output: number };
  set: (patch: Partial<AppState>) => void;
  /** Applies one of the voice session's events (the only way its state changes). */
  dispatch: (ev: SessionEvent) => void;
}

export const useApp = create<AppState>((set) => ({
  settings: DEFAULT_SETTINGS,
  connection: "disconnected",
  notice: null,
  connectionNotice: null,
  rttMs: null,
  link: null,
  linkWarning: null,
  server: null,
  health: null,
  gpuHistory: [],
  conversationId: null,
  sessionState: "idle",
  mic: "off",
  tokenSet: false,
  muted: false,
  talkingWhileMuted: false,
  micError: null,
  turns: [],
  latencies: [],
  playback: { bufferedMs: 0, underruns: 0, playing: false, playedMs: 0 },
  audible: false,
  levels: { input: 0, output: 0 },
  set: (patch) => set(patch),
  dispatch: (ev) => set((s) => reduceSessionEvent(s, ev)),
}));
