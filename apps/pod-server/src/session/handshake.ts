/**
 * Negotiates `session.hello` before any Session exists: the token, the protocol version, the voice,
 * a resume or a stored conversation to continue, admission, and the audio both ways. What it
 * settles is all a Session is built from.
 */
import { randomBytes } from "node:crypto";
import {
  type ClientMessageOf,
  type CodecName,
  ProtocolError,
  type SampleRate,
  SUPPORTED_PROTOCOLS,
  type TurnDetection,
  turnDetectionSchema,
} from "@fireside/protocol";
import type { ChatMessage } from "../engines/types.js";
import { tokenEquals } from "../guard/token.js";
import type { SessionSnapshot } from "./resume-store.js";

/** A conversation's settings once hello is accepted. */
export interface Settled {
  sessionId: string;
  resumed: boolean;
  /** The stored conversation it carries on, if any. */
  conversationId: string | null;
  /** That conversation's stored turns (null when it has none stored yet). */
  history: ChatMessage[] | null;
  voice: string | undefined;
  persona: string;
  language: string | undefined;
  turnDetection: TurnDetection;
  input: { codec: CodecName; sampleRate: SampleRate };
  output: { codec: CodecName; sampleRate: SampleRate };
}

/** What the handshake asks of the pod. */
export interface HandshakeDeps {
  /** The pod's token ("" when none is needed). */
  token: string;
  defaultPersona: string;
  /** Rejects with a ProtocolError naming the pod's voices when `id` cannot be spoken here. */
  checkVoice(id: string): Promise<void>;
  /** A stored conversation's turns, as the LLM is shown them; null when there is no such conversation. */
  loadConversation(id: string): Promise<ChatMessage[] | null>;
  /** What an earlier session parked under this resume token (taking it over if still live), or null. */
  resume(token: string): Promise<SessionSnapshot | null>;
  /** Takes a session slot; an error (E_BUSY) when the pod is full. */
  admit(sessionId: string): ProtocolError | null;
  /** A wrong or missing token (counted toward the address's block). */
  authFailed(): void;
}

/** Refused: the error to send and, when the socket must go, how to close it. */
export interface Refusal {
  error: ProtocolError;
  close?: { code: number; reason: string };
}

export type HelloOutcome = { settled: Settled } | Refusal;

/**
 * `authenticated`: the upgrade already carried the right token. A refusal without `close` leaves the
 * socket open for another hello (a voice the pod lacks, a conversation it does not have).
 */
export async function negotiateHello(
  msg: ClientMessageOf<"session.hello">,
  authenticated: boolean,
  deps: HandshakeDeps,
): Promise<HelloOutcome> {
  if (deps.token && !authenticated && !tokenEquals(msg.token ?? "", deps.token)) {
    deps.authFailed();
    return { error: new ProtocolError("E_AUTH", "missing or wrong token"), close: { code: 4401, reason: "unauthorised" } };
  }
  if (!msg.protocols.some((p) => (SUPPORTED_PROTOCOLS as readonly string[]).includes(p))) {
    const why = `server speaks ${SUPPORTED_PROTOCOLS.join(", ")}; client offered ${msg.protocols.join(", ")}`;
    return { error: new ProtocolError("E_PROTOCOL_VERSION", why), close: { code: 4400, reason: "protocol version" } };
  }
  if (msg.voice) {
    try {
      await deps.checkVoice(msg.voice);
    } catch (err) {
      if (err instanceof ProtocolError) return { error: new ProtocolError("E_BAD_MESSAGE", `session.hello: ${err.message}`) };
      throw err;
    }
  }
  const resumed = msg.resume ? await deps.resume(msg.resume) : null;
  const conversationId = resumed ? resumed.conversationId : (msg.conversationId ?? null);
  const history = conversationId ? await deps.loadConversation(conversationId) : null;
  if (!resumed && conversationId && !history) {
    return { error: new ProtocolError("E_BAD_MESSAGE", `session.hello: no conversation ${conversationId} on this pod`) };
  }
  const sessionId = resumed?.sessionId ?? `sess_${randomBytes(6).toString("hex")}`;
  const full = deps.admit(sessionId);
  if (full) return { error: full, close: { code: 1013, reason: "server full" } };
  // A resumed session keeps its settings unless this hello names new ones.
  return {
    settled: {
      sessionId,
      resumed: resumed !== null,
      conversationId,
      history,
      voice: msg.voice || !resumed ? msg.voice : resumed.voice,
      persona: msg.persona || (resumed?.persona ?? deps.defaultPersona),
      language: msg.language || !resumed ? msg.language : resumed.language,
      turnDetection: msg.turnDetection ?? resumed?.turnDetection ?? turnDetectionSchema.parse({}),
      input: { codec: msg.audio.input.codec, sampleRate: msg.audio.input.sampleRate as SampleRate },
      output: { codec: msg.audio.output.codec, sampleRate: msg.audio.output.sampleRate as SampleRate },
    },
  };
}
