/**
 * One realtime socket from its first frame: before hello it answers ping, bad JSON and E_NOT_READY,
 * negotiates hello, builds the Session from what was settled and sends session.ready; after, it
 * hands every frame to the Session. The transport owns the socket; this owns the conversation on it.
 */
import type { ClientMessage, ClientMessageOf, ServerMessage } from "@fireside/protocol";
import { PROTOCOL_VERSION, ProtocolError, parseClientMessage, SAMPLE_RATES } from "@fireside/protocol";
import type { GpuSample } from "../metrics/gpu-telemetry.js";
import { ErrorReporter } from "./errors.js";
import { type HandshakeDeps, negotiateHello, type Settled } from "./handshake.js";
import type { SessionSnapshot } from "./resume-store.js";
import { Session, type SessionDeps, type SessionIo } from "./session.js";

/** The socket, as the connection sees it. */
export interface ConnectionIo extends SessionIo {
  close(code: number, reason: string): void;
}

/** What the pod gives a connection besides its shared session deps. */
export interface ConnectionDeps extends SessionDeps {
  handshake: HandshakeDeps;
  /** Latest GPU telemetry, for session.ready. */
  gpus(): GpuSample[];
  /** A resume token for the accepted session, valid while it lives and for the grace window after. */
  issueResumeToken(snapshot: () => SessionSnapshot): { token: string; graceMs: number };
}

/** Frames held while a hello is being settled (the store and shared state answer asynchronously). */
export const MAX_HELD_FRAMES = 256;

export class Connection {
  private live: Session | null = null;
  private readonly errors: ErrorReporter;
  /** Frames that arrived after a hello still being settled, handled once it is. */
  private held: (() => void)[] | null = null;
  private closed = false;

  constructor(
    private readonly deps: ConnectionDeps,
    private readonly io: ConnectionIo,
    /** The upgrade already carried the right token. */
    private authenticated: boolean,
  ) {
    this.errors = new ErrorReporter(io.send, deps.metrics, io.log, () => this.live?.id ?? null);
  }

  /** The conversation, once hello was accepted. */
  get session(): Session | null {
    return this.live;
  }

  onText(text: string): void {
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(text);
    } catch (err) {
      this.errors.fail(err, "json");
      return;
    }
    // Keepalive is the connection's, before hello and after.
    if (msg.type === "ping") this.io.send({ type: "pong", id: msg.id, t: msg.t });
    else if (msg.type === "pong") return;
    else if (this.held) this.hold(() => this.onParsed(msg), msg.type);
    else this.onParsed(msg);
  }

  private onParsed(msg: ClientMessage): void {
    if (this.live) this.live.handle(msg);
    else if (msg.type !== "session.hello") {
      this.errors.fail(new ProtocolError("E_NOT_READY", `send session.hello before ${msg.type}`), msg.type);
    } else {
      this.held = [];
      void this.negotiate(msg).finally(() => {
        const held = this.held ?? [];
        this.held = null;
        if (!this.closed) for (const frame of held) frame();
      });
    }
  }

  private hold(frame: () => void, what: string): void {
    if (this.held!.length < MAX_HELD_FRAMES) this.held!.push(frame);
    else this.errors.fail(new ProtocolError("E_NOT_READY", `wait for session.ready: ${MAX_HELD_FRAMES} frames already wait for it`), what);
  }

  /** A text frame the transport could not decode (invalid UTF-8): answered, the connection stays. */
  onMalformedText(why: string): void {
    this.errors.fail(new ProtocolError("E_BAD_JSON", why), "json");
  }

  onBinary(bytes: Uint8Array): void {
    if (this.held) this.hold(() => this.onBinary(bytes), "audio");
    else if (this.live) this.live.onBinary(bytes);
    else this.errors.fail(new ProtocolError("E_NOT_READY", "send session.hello before audio"), "audio");
  }

  close(): void {
    this.closed = true;
    this.live?.close();
  }

  private async negotiate(msg: ClientMessageOf<"session.hello">): Promise<void> {
    let outcome: Awaited<ReturnType<typeof negotiateHello>>;
    try {
      outcome = await negotiateHello(msg, this.authenticated, this.deps.handshake);
    } catch (err) {
      this.errors.fail(err, msg.type);
      return;
    }
    // The socket closed while the store answered: no session for nobody (a slot taken is given back by the transport).
    if (this.closed) return;
    // Past the token check, a hello refused for another reason (a voice, a conversation) need not carry it again.
    if (!("error" in outcome) || outcome.error.code !== "E_AUTH") this.authenticated = true;
    if ("error" in outcome) {
      this.errors.fail(outcome.error, "session.hello");
      if (outcome.close) this.io.close(outcome.close.code, outcome.close.reason);
      return;
    }
    this.accept(outcome.settled);
  }

  private accept(settled: Settled): void {
    const session = new Session(settled, this.deps, this.io);
    this.live = session;
    const resume = this.deps.issueResumeToken(() => session.snapshot());
    this.io.send(this.ready(session, settled, resume));
    session.start();
  }

  private ready(session: Session, settled: Settled, resume: { token: string; graceMs: number }): ServerMessage {
    const { vad, asr, llm, tts } = this.deps.engines;
    return {
      type: "session.ready",
      protocol: PROTOCOL_VERSION,
      sessionId: session.id,
      resumeToken: resume.token,
      resumeGraceMs: resume.graceMs,
      resumed: settled.resumed,
      ...(session.conversationId ? { conversationId: session.conversationId } : {}),
      audio: { input: settled.input, output: settled.output },
      capabilities: {
        engines: { vad: vad.info, asr: asr.info, llm: llm.info, tts: tts.info },
        voices: tts.voices,
        sampleRates: [...SAMPLE_RATES],
        turnDetection: ["client_vad", "server_vad"],
        codecs: ["pcm_s16le", "opus"],
        asrPartials: asr.supportsPartials,
        degraded: this.deps.engines.degraded ?? [],
        gpus: this.deps.gpus().map(({ name, utilisation, memoryMiB, memoryTotalMiB, temperatureC }) => ({
          name,
          utilisation,
          memoryMiB,
          memoryTotalMiB,
          temperatureC,
        })),
      },
    };
  }
}
