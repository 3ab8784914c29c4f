/** The reply the app is playing, as the voice session tracks it: its ids, how far it got, and its voice-to-voice figure. */
import type { ServerMessageOf } from "@fireside/protocol";

export interface ActiveReply {
  id: string;
  streamId: number;
  /** Typed turns have no voice-to-voice latency. */
  spoken: boolean;
  interrupted: boolean;
  finished: boolean;
  /** The pod sent all of it (response.completed): once the player runs dry it is over, even if its last frame never came. */
  completed: boolean;
  /** The pod paused it while it judges a sound over it (response.paused, until resumed or interrupted). */
  podPaused: boolean;
  playbackStartedAt: number;
  reported: boolean;
  /** The user's last voiced frame and the commit that ended their turn (spoken turns). */
  lastVoicedAt: number;
  committedAt: number;
}

/** A reply the pod created; `commit` is the spoken turn it answers (null for a typed one). */
export function activeReply(m: ServerMessageOf<"response.created">, commit: { at: number; lastVoicedAt: number } | null): ActiveReply {
  return {
    id: m.responseId,
    streamId: m.streamId,
    spoken: commit !== null,
    interrupted: false,
    finished: false,
    completed: false,
    podPaused: false,
    playbackStartedAt: 0,
    reported: false,
    lastVoicedAt: commit?.lastVoicedAt ?? 0,
    committedAt: commit?.at ?? 0,
  };
}

/**
 * Once its playback started: voice-to-voice from the user's last voiced frame (the end-of-turn
 * wait is in it), and that wait. Null for typed turns.
 */
export function voiceToVoice(r: ActiveReply): { voiceToVoiceMs: number; endOfTurnMs: number } | null {
  if (!r.spoken || !r.lastVoicedAt) return null;
  return {
    voiceToVoiceMs: Math.round(r.playbackStartedAt - r.lastVoicedAt),
    endOfTurnMs: Math.max(0, Math.round(r.committedAt - r.lastVoicedAt)),
  };
}
