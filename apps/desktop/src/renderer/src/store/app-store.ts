/** The renderer's state, in one zustand store. Components read it; controllers write it. */
import type { ServerMessageOf, SessionState, TurnMetrics } from "@fireside/protocol";
import { create } from "zustand";
import { DEFAULT_SETTINGS, type Settings } from "../../../shared/settings";
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

/** GPU samples kept: ten minutes at the 5 s health poll. */
export const GPU_HISTORY = 120;

export interface AppState {
  settings: Settings;
  connection: ConnectionStatus;
  /** A sentence a person understands, or null. */
  notice: string | null;
  rttMs: number | null;
  /** Codecs, bitrate, jitter and loss of the reply's frames (transport/pod-connection.ts). */
  link: LinkStats | null;
  server: ServerMessageOf<"session.ready"> | null;
  /** From /ready: ok only when the pod's models are loaded and it answers. */
  health: { ok: boolean; loading?: boolean; progress?: string } | null;
  /** The pod's GPU from /health, one sample per poll (the last GPU_HISTORY); empty on CPU pods. */
  gpuHistory: GpuPoint[];
  /** The stored conversation this session adds to (docs/studio.md). */
  conversationId: string | null;
  sessionState: SessionState;
  /** `paused`: the mic is on but nothing is sent, because no session is connected. */
  mic: "off" | "starting" | "listening" | "hearing-speech" | "push-to-talk" | "paused";
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
  upsertTurn: (turn: Turn) => void;
  removeTurn: (id: string) => void;
  appendToTurn: (id: string, delta: string) => void;
  addCaption: (id: string, caption: { text: string; startSample: number }) => void;
  recordLatency: (responseId: string, patch: Partial<TurnLatency>) => void;
}

export const useApp = create<AppState>((set) => ({
  settings: DEFAULT_SETTINGS,
  connection: "disconnected",
  notice: null,
  rttMs: null,
  link: null,
  server: null,
  health: null,
  gpuHistory: [],
  conversationId: null,
  sessionState: "idle",
  mic: "off",
  muted: false,
  talkingWhileMuted: false,
  micError: null,
  turns: [],
  latencies: [],
  playback: { bufferedMs: 0, underruns: 0, playing: false, playedMs: 0 },
  audible: false,
  levels: { input: 0, output: 0 },
  set: (patch) => set(patch),
  upsertTurn: (turn) =>
    set((s) => {
      const i = s.turns.findIndex((t) => t.id === turn.id);
      if (i < 0) return { turns: [...s.turns, turn] };
      const turns = s.turns.slice();
      turns[i] = { ...turns[i]!, ...turn };
      return { turns };
    }),
  removeTurn: (id) => set((s) => ({ turns: s.turns.filter((t) => t.id !== id) })),
  appendToTurn: (id, delta) => set((s) => ({ turns: s.turns.map((t) => (t.id === id ? { ...t, text: t.text + delta } : t)) })),
  addCaption: (id, caption) =>
    set((s) => ({ turns: s.turns.map((t) => (t.id === id ? { ...t, captions: [...(t.captions ?? []), caption] } : t)) })),
  recordLatency: (responseId, patch) =>
    set((s) => {
      const i = s.latencies.findIndex((l) => l.responseId === responseId);
      if (i < 0) return { latencies: [...s.latencies, { responseId, ...patch }].slice(-20) };
      const latencies = s.latencies.slice();
      latencies[i] = { ...latencies[i]!, ...patch };
      return { latencies };
    }),
}));
