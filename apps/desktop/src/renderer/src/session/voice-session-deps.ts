/** What the voice session is built from: the transport, the player and the microphone (real in the app, test doubles in tests). */
import type { Conversation } from "@fireside/protocol";
import type { MicCallbacks, MicOptions } from "../audio/microphone";
import type { TransportFactory } from "../transport/pod-transport";
import type { HealthFetchers } from "./pod-health";
import type { Emit } from "./session-events";

export interface PlayerStats {
  played: number;
  buffered: number;
  underruns: number;
  playing: boolean;
  level: number;
}

/** What the session needs of the speaker side (audio/player.ts). */
export interface PlayerLike {
  begin(rate: number): void;
  push(samples: Int16Array, last: boolean): void;
  pause(): void;
  resume(): void;
  /** Stops at once; resolves with the samples the user heard. */
  clear(): Promise<number>;
  close(): Promise<void>;
}

/** What the session needs of the microphone (audio/microphone.ts, @ricky0123/vad-web's MicVAD). */
export interface MicLike {
  destroy(): Promise<void> | void;
  setOptions(o: { positiveSpeechThreshold: number; negativeSpeechThreshold: number; redemptionMs: number }): void;
}

export interface VoiceSessionDeps extends HealthFetchers {
  createTransport: TransportFactory;
  createPlayer(
    leadMs: number,
    onStats: (s: PlayerStats) => void,
    onFinished: (played: number) => void,
    sinkId?: string,
  ): Promise<PlayerLike>;
  startMicrophone(opts: MicOptions, cb: MicCallbacks): Promise<MicLike>;
  /** A stored conversation (GET /v1/conversations/{id}); the pod's REST API unless a test answers. */
  fetchConversation?: (id: string) => Promise<Conversation>;
  /** Where the session's events go: the store's one reducer unless a test listens itself. */
  emit?: Emit;
  now?: () => number;
}
