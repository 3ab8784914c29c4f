/**
 * What the voice session needs from a connection to the pod. PodConnection is the WebSocket one;
 * tests use a fake (apps/desktop/test/fake-transport.ts), as pipecat's client does.
 */
import type { ClientMessage, ClientMessageOf, PcmAudioFrame, ServerMessage } from "@fireside/protocol";

/** `unreachable`: never reached since Start (a wrong address, a pod not running); `reconnecting`: it was, then dropped. */
/**
 * "refused": the pod turned the token down (or needs one); "wrong-address": a pod answers there, at
 * another path. Like "disconnected", nothing retries these until the user starts again.
 */
export type ConnectionStatus =
  | "disconnected"
  | "refused"
  | "wrong-address"
  | "connecting"
  | "connected"
  | "reconnecting"
  | "unreachable"
  | "loading";

/** Whether the app is trying to talk to the pod (connected or on its way), as opposed to stopped. */
export const isActive = (c: ConnectionStatus): boolean => c !== "disconnected" && c !== "refused" && c !== "wrong-address";

/** The hello's conversation settings; the transport adds the token, the resume token, the conversation and the codecs (audio-codecs.ts). */
export type HelloSettings = Omit<ClientMessageOf<"session.hello">, "type" | "token" | "resume" | "conversationId" | "audio">;

export interface TransportOptions {
  url: string;
  token: string;
  hello: () => HelloSettings;
  onMessage: (msg: ServerMessage) => void;
  /** Reply audio as PCM (the transport decodes Opus). */
  onAudio: (frame: PcmAudioFrame) => void;
  onStatus: (status: ConnectionStatus, notice: string | null) => void;
  onRtt: (ms: number) => void;
  /** How the reply's frames arrive: codec, bitrate, jitter and loss (see ArrivalStats). */
  onLinkStats?: (stats: LinkStats) => void;
}

export interface LinkStats {
  codec: { input: string; output: string };
  kbpsIn: number;
  jitterMs: number;
  lostFrames: number;
  /** Frames received this session (with lostFrames, the loss between two reports). */
  frames: number;
}

export interface PodTransport {
  connect(): void;
  close(): void;
  send(msg: ClientMessage): void;
  /** 16 kHz PCM16; dropped while no session is ready. */
  sendAudio(samples: Int16Array): void;
  readonly isReady: boolean;
  /** Continue a stored conversation (null: start a new one) on a fresh session. */
  continueConversation(id: string | null): void;
}

export type TransportFactory = (opts: TransportOptions) => PodTransport;

/** The pod's HTTP base from its WebSocket URL. */
export const httpBase = (podUrl: string) => podUrl.replace(/^ws/, "http").replace(/\/v1\/realtime.*$/, "");

/** The pod's address as a person names it: host and port (the address as typed if it is no URL). */
export function podHost(podUrl: string): string {
  try {
    return new URL(podUrl).host;
  } catch {
    return podUrl;
  }
}
