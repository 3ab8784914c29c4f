/**
 * The realtime sockets a pod holds: each accepted WebSocket gets a Connection, a hello deadline,
 * keepalive, and — once its hello is admitted — a place among the pod's sessions (counted against
 * the session limit, audited, parked for resume when it closes).
 */
import { isUtf8 } from "node:buffer";
import { availableParallelism } from "node:os";
import { ProtocolError, REALTIME_PATH, type ServerMessage, type ServerMessageOf } from "@fireside/protocol";
import { WebSocket } from "ws";
import type { AuditLog } from "../audit/audit-log.js";
import type { Config } from "../config/config.js";
import { defaultSessionLimit } from "../engines/session-capacity.js";
import type { Engines } from "../engines/types.js";
import { Intake } from "../guard/intake.js";
import type { LoadMeter } from "../guard/load-meter.js";
import { Shedder } from "../guard/shedding.js";
import type { TokenGate } from "../guard/token-gate.js";
import type { GpuTelemetry } from "../metrics/gpu-telemetry.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { Connection } from "../session/connection.js";
import { ErrorReporter } from "../session/errors.js";
import type { ResumeStore } from "../session/resume-store.js";
import type { ConversationStore } from "../store/conversations.js";
import type { VoiceRules } from "../studio/voice-rules.js";
import { keepAlive } from "./keepalive.js";
import type { Logger } from "./logger.js";

export interface RealtimeDeps {
  config: Config;
  log: Logger;
  metrics: ServerMetrics;
  audit: AuditLog;
  gate: TokenGate;
  gpus: GpuTelemetry;
  resumes: ResumeStore;
  voices: VoiceRules;
  conversations: ConversationStore;
  /** The pod's measured load: admission refuses while it is overloaded. */
  load: LoadMeter;
}

type MoveReason = ServerMessageOf<"session.moving">["reason"];

/** Tells a session to move once its reply in progress has played out and its turns are stored. */
async function moveWhenQuiet(connection: Connection, move: (reason: MoveReason) => void, reason: MoveReason): Promise<void> {
  await connection.session?.whenQuiet();
  await connection.session?.stored();
  move(reason);
}

/** Sends a typed error a browser can read, then closes (it sees only close 1006 for an HTTP refusal). */
export function refuse(ws: WebSocket, metrics: ServerMetrics, err: ProtocolError, closeCode: number): void {
  new ErrorReporter(
    (msg) => ws.send(JSON.stringify(msg)),
    metrics,
    () => {},
    () => null,
  ).error(err.code, err.message, undefined, err.retryAfterMs);
  ws.close(closeCode, err.code);
}

export class RealtimeSockets {
  /** Each admitted connection (oldest first), with how to tell it to move to another pod. */
  private readonly admitted = new Map<Connection, (reason: MoveReason) => void>();
  /** Connections told to move for overload, not gone yet: not chosen twice. */
  private readonly shedding = new Set<Connection>();
  private readonly shedder: Shedder;
  private readonly intake: Intake;
  private draining = false;

  constructor(private readonly deps: RealtimeDeps) {
    this.shedder = new Shedder(deps.config.admitMaxLagMs);
    this.intake = new Intake(deps.config.admitMaxLagMs);
  }

  /**
   * After each load window: past capacity for a while (a burst let in before its load showed), the
   * newest conversations move away, each once its reply has played out (guard/shedding.ts).
   */
  onLoadWindow(lagP99Ms: number): void {
    this.intake.window();
    const n = this.shedder.decide(lagP99Ms, this.admitted.size - this.shedding.size);
    if (n === 0 || this.draining) return;
    const newest = [...this.admitted].filter(([c]) => !this.shedding.has(c)).slice(-n);
    this.deps.log.warn("overloaded: moving the newest conversations away", { lagP99Ms: Math.round(lagP99Ms), moving: newest.length });
    for (const [connection, move] of newest) {
      this.shedding.add(connection);
      void moveWhenQuiet(connection, move, "overloaded");
    }
  }

  /** Conversations the pod is serving now. */
  get size(): number {
    return this.admitted.size;
  }

  /** Sessions this pod admits at most now (0 while engines load; no more than it has while overloaded or pacing). */
  limit(engines: Engines | null): number {
    if (!engines) return 0;
    const configured = this.deps.config.maxSessions || defaultSessionLimit(engines, availableParallelism());
    const full = this.deps.load.overloaded || !this.intake.allows(this.deps.load.lagP99Ms, this.admitted.size);
    return full ? Math.min(configured, this.admitted.size) : configured;
  }

  /**
   * The pod is leaving: no session is admitted any more, and each live one, once its reply in
   * progress has played out and its turns are stored, is told to move (session.moving, close 1012) to
   * resume on another pod. Resolves when none is left, or after `boundMs`, when the rest move as they are.
   */
  async drain(boundMs: number): Promise<void> {
    this.draining = true;
    const moves = [...this.admitted].map(([connection, move]) => moveWhenQuiet(connection, move, "draining"));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(moves), new Promise((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
    for (const move of this.admitted.values()) move("draining");
  }

  /** A socket before hello: it holds a pending slot (released on hello or close) and a deadline. */
  accept(ws: WebSocket, engines: Engines | null, authenticated: boolean, address: string, releasePending: () => void): void {
    const { config, log, metrics, audit } = this.deps;
    if (!engines) {
      releasePending();
      refuse(ws, metrics, new ProtocolError("E_BUSY", "models are still loading; retry when /ready answers 200"), 1013);
      return;
    }
    const openedAt = Date.now();
    let resumeToken: string | null = null;
    let sessionId = "";
    // Told to move (a drain, an overload): where to resume, then the close that makes the client reconnect.
    const moveAway = (reason: MoveReason) => {
      if (ws.readyState !== WebSocket.OPEN || !resumeToken) return;
      ws.send(
        JSON.stringify({
          type: "session.moving",
          reason,
          resumeToken,
          resumeGraceMs: this.deps.resumes.graceMs,
        } satisfies ServerMessage),
      );
      ws.close(1012, reason === "draining" ? "pod draining" : "pod overloaded");
    };
    const connection: Connection = new Connection(
      {
        engines,
        config,
        metrics,
        conversations: this.deps.conversations,
        gpus: () => this.deps.gpus.latest,
        handshake: {
          token: config.token,
          defaultPersona: config.persona,
          checkVoice: (id) => this.deps.voices.check(id),
          loadConversation: async (id) => ((await this.deps.conversations.exists(id)) ? this.deps.conversations.messages(id) : null),
          resume: (token) => this.deps.resumes.take(token),
          authFailed: () => void this.deps.gate.failed(address, `${REALTIME_PATH} session.hello`),
          admit: (id) => {
            // The socket may have closed while the hello was settled: it takes no slot then.
            if (ws.readyState !== WebSocket.OPEN) return new ProtocolError("E_NOT_READY", "the connection closed during session.hello");
            const full = this.admit(connection, engines, moveAway);
            if (full) return full;
            sessionId = id;
            clearTimeout(helloDeadline);
            releasePending();
            audit.record("session.opened", "ok", { address, session: id });
            log.info("session opened", { session: id });
            return null;
          },
        },
        issueResumeToken: (snapshot) => {
          resumeToken = this.deps.resumes.issue({ snapshot, takeOver: () => ws.close(4409, "resumed on another connection") });
          return { token: resumeToken, graceMs: this.deps.resumes.graceMs };
        },
      },
      {
        send: (msg) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
          // The fleet's copy of the resume snapshot follows the conversation it now carries.
          if (msg.type === "conversation.started" && resumeToken) this.deps.resumes.refresh(resumeToken);
        },
        sendBinary: (bytes) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
        },
        backlog: () => ws.bufferedAmount,
        close: (code, reason) => ws.close(code, reason),
        log: (level, msg, fields) => log[level](msg, fields),
      },
      authenticated,
    );
    const helloDeadline = setTimeout(() => {
      if (!connection.session && ws.readyState === WebSocket.OPEN) {
        refuse(
          ws,
          metrics,
          new ProtocolError("E_HELLO_TIMEOUT", `no session.hello within ${config.helloTimeoutMs} ms of connecting`),
          4408,
        );
      }
    }, config.helloTimeoutMs);

    // Keepalive: JSON pings the client can see, and protocol pings that find dead peers.
    let pingId = 0;
    const liveness = keepAlive(ws, config.pingIntervalMs, () => {
      if (connection.session) ws.send(JSON.stringify({ type: "ping", id: ++pingId, t: Date.now() } satisfies ServerMessage));
    });
    ws.on("message", (data, isBinary) => {
      try {
        liveness.touch();
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        if (isBinary) connection.onBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        else if (!isUtf8(bytes)) connection.onMalformedText("text frame is not valid UTF-8");
        else connection.onText(bytes.toString("utf8"));
      } catch (err) {
        log.error("message handler failed", { session: sessionId, error: (err as Error)?.stack ?? String(err) });
      }
    });
    ws.on("error", (err) => log.warn("socket error", { session: sessionId, error: err.message }));
    ws.on("close", (code) => {
      clearTimeout(helloDeadline);
      releasePending();
      const session = connection.session;
      try {
        connection.close();
        if (resumeToken && session) this.deps.resumes.park(resumeToken, session.snapshot());
      } catch (err) {
        log.error("session close failed", { session: sessionId, error: (err as Error)?.stack ?? String(err) });
      }
      this.shedding.delete(connection);
      if (!this.admitted.delete(connection)) return;
      metrics.sessionsActive.set(this.admitted.size);
      audit.record("session.closed", "ok", {
        address,
        session: sessionId,
        durationMs: Date.now() - openedAt,
        turns: session?.turns ?? 0,
        code,
      });
      log.info("session closed", { session: sessionId, code });
    });
  }

  /** Takes a session slot, or E_BUSY when the pod already serves as many as it answers in time. */
  private admit(connection: Connection, engines: Engines, moveAway: (reason: MoveReason) => void): ProtocolError | null {
    if (this.draining) return new ProtocolError("E_BUSY", "this pod is draining before it stops; reconnect to be served by another");
    // A pod with no conversation has none to protect: it is never refused for lag.
    if (this.admitted.size > 0 && this.deps.load.overloaded) {
      return new ProtocolError(
        "E_BUSY",
        `the pod is at capacity: its event loop runs ${Math.round(this.deps.load.lagP99Ms)} ms late (FIRESIDE_ADMIT_MAX_LAG_MS ${this.deps.config.admitMaxLagMs}), and one more conversation would make every one late; try again shortly`,
      );
    }
    if (this.admitted.size > 0 && !this.intake.allows(this.deps.load.lagP99Ms, this.admitted.size)) {
      return new ProtocolError(
        "E_BUSY",
        `the pod is near capacity (its event loop runs ${Math.round(this.deps.load.lagP99Ms)} ms late) and takes a few more conversations each second; try again shortly`,
      );
    }
    const limit = this.limit(engines);
    if (this.admitted.size >= limit) {
      return new ProtocolError(
        "E_BUSY",
        `the pod is serving ${this.admitted.size} conversations, as many as it answers in time on this hardware (FIRESIDE_MAX_SESSIONS); try again later`,
      );
    }
    this.admitted.set(connection, moveAway);
    this.intake.admitted();
    this.deps.metrics.sessionsActive.set(this.admitted.size);
    this.deps.metrics.sessionsTotal.inc();
    return null;
  }
}
