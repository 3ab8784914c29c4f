/**
 * One port: GET /health, GET /ready, GET /metrics, the studio's REST API, the web client, and the
 * WebSockets at /v1/realtime and /v1/dialogues/events. Engines load after the port opens, so
 * /health answers at once and /ready turns 200 when they are loaded; WebSocket clients are refused
 * with E_BUSY until then.
 *
 * Every request and upgrade passes the guards first (guard/): rate limits per address and token,
 * the token, blocked addresses after repeated wrong tokens, and the pending-socket cap. No handler
 * can end the process: whatever one throws is answered (400/500) and logged.
 */

import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DIALOGUE_EVENTS_PATH, type ErrorCode, ProtocolError, REALTIME_PATH, type ServerMessage } from "@fireside/protocol";
import { WebSocket, WebSocketServer } from "ws";
import { AuditLog } from "../audit/audit-log.js";
import type { Config } from "../config/config.js";
import { defaultSessionLimit, UNLIMITED_SESSIONS } from "../engines/session-capacity.js";
import type { Engines } from "../engines/types.js";
import { clientAddress } from "../guard/client-address.js";
import { corsPolicy } from "../guard/cors.js";
import { PendingSockets } from "../guard/pending-sockets.js";
import { RateLimits } from "../guard/rate-limits.js";
import { tokenEquals, tokenFrom } from "../guard/token.js";
import { GpuTelemetry } from "../metrics/gpu-telemetry.js";
import { ServerMetrics } from "../metrics/metrics.js";
import { ResumeStore } from "../session/resume-store.js";
import { Session } from "../session/session.js";
import { ConversationStore } from "../store/conversations.js";
import { openDatabase } from "../store/database.js";
import { DialogueJobs } from "../studio/dialogue-jobs.js";
import { keepRetention } from "../studio/retention.js";
import { VoiceProfiles } from "../studio/voice-profiles.js";
import { conversationRoutes } from "./conversation-routes.js";
import { serveDialogueEvents } from "./dialogue-events.js";
import { drainThenClose, sendError, sendJson } from "./http-json.js";
import { keepAlive } from "./keepalive.js";
import type { Logger } from "./logger.js";
import { staticFiles } from "./static-files.js";
import { isStudioPath, studioRoutes } from "./studio-routes.js";

export interface PodServer {
  readonly server: Server;
  readonly metrics: ServerMetrics;
  /** Resolves with the bound port once listening. */
  listen(): Promise<number>;
  /** Hands over loaded engines; /ready turns 200. */
  setEngines(engines: Engines): void;
  /** Model download progress while loading, for /ready (the app shows it). */
  setLoading(progress: LoadingProgress): void;
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

/** Answers an upgrade request with a plain HTTP status and closes: no WebSocket is made. */
function refuseUpgrade(socket: Socket, status: number, retryAfterMs?: number): void {
  const retry = retryAfterMs ? `Retry-After: ${Math.ceil(retryAfterMs / 1000)}\r\n` : "";
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\n${retry}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

function parseUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://x");
  } catch {
    throw new ProtocolError("E_BAD_REQUEST", "the request path is not a valid URL");
  }
}

export interface LoadingProgress {
  model: string;
  file: string;
  receivedBytes: number;
  totalBytes: number;
}

export function createPodServer(config: Config, log: Logger): PodServer {
  const metrics = new ServerMetrics();
  let engines: Engines | null = null;
  let loading: LoadingProgress | null = null;
  const sessions = new Set<Session>();
  const gpus = new GpuTelemetry(metrics.registry, config.nvidiaSmi);
  // Text frames are checked for UTF-8 by the session, which answers E_BAD_JSON instead of closing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false, skipUTF8Validation: true });

  const serveWeb = staticFiles(config.webDir);
  const db = openDatabase(join(config.dataDir, "fireside.db"));
  const audit = new AuditLog(config.dataDir, { maxBytes: config.auditMaxBytes, content: config.auditContent });
  const limits = new RateLimits(config);
  const pending = new PendingSockets(config.maxPendingPerAddress, config.maxPending);
  const cors = corsPolicy(config.corsOrigins);
  const profiles = new VoiceProfiles(db, join(config.dataDir, "voices"));
  const conversations = new ConversationStore(db);
  const resumes = new ResumeStore(config.resumeGraceMs);
  const isPreset = (id: string) => (engines?.tts.voices ?? []).some((v) => v.id === id);
  const isProfile = (id: string) => {
    try {
      profiles.get(id);
      return true;
    } catch {
      return false;
    }
  };
  /** A stored profile can be spoken only by a cloning engine: say so rather than speak another voice. */
  const checkCloneable = (id: string) => {
    if (engines && !isPreset(id) && !engines.tts.registerVoice) {
      throw new ProtocolError(
        "E_BAD_REQUEST",
        `voice ${id} is a cloned profile; this pod's TTS engine (${engines.tts.info.name}) has preset voices only`,
      );
    }
  };
  /** Throws unless a voice id can be spoken on this pod: a preset, or a stored profile on a cloning engine. */
  const checkVoice = (id: string) => {
    if (!isPreset(id) && !isProfile(id)) {
      const presets = (engines?.tts.voices ?? []).map((v) => v.id);
      const names = [...presets, ...(engines?.tts.registerVoice ? profiles.list().map((p) => p.id) : [])];
      throw new ProtocolError("E_BAD_REQUEST", `unknown voice ${id}; this pod has: ${names.join(", ") || "no voices yet"}`);
    }
    checkCloneable(id);
  };
  // Dialogue jobs refuse unknown voices themselves ("does not exist"); a cloned one on a preset-only pod throws.
  const jobs = new DialogueJobs(
    db,
    join(config.dataDir, "dialogues"),
    () => engines?.tts ?? null,
    (id) => {
      if (!isPreset(id) && !isProfile(id)) return false;
      checkCloneable(id);
      return true;
    },
  );
  const studio = studioRoutes({ profiles, jobs, conversations, engines: () => engines, maxUploadBytes: config.maxUploadBytes, audit });
  const conversationApi = conversationRoutes({ conversations, audit });
  const stopRetention = keepRetention({ profiles, jobs, conversations }, config.retentionDays, audit);

  /** Blocked addresses are refused before their token is even looked at. */
  async function requireToken(req: IncomingMessage, url: URL, address: string, route: string): Promise<void> {
    if (!config.token) return;
    const blocked = await limits.authBlockedFor(address);
    if (blocked) {
      audit.rateLimited(address, "auth", route);
      throw new ProtocolError("E_RATE_LIMITED", "too many wrong tokens from this address; wait before trying again", {
        retryAfterMs: blocked,
      });
    }
    if (tokenEquals(tokenFrom(req, url) ?? "", config.token)) return;
    await authFailed(address, route);
    throw new ProtocolError("E_AUTH", "missing or wrong token");
  }

  async function authFailed(address: string, route: string): Promise<void> {
    metrics.countError("E_AUTH");
    audit.record("auth.failed", "refused", { address, route });
    await limits.authFailed(address);
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    const url = parseUrl(req);
    const path = url.pathname;
    const publicRoute = path === "/health" || path === "/ready";
    if (cors(req, res, publicRoute)) return;
    const wait = await limits.restRequest(address, tokenFrom(req, url));
    if (wait) {
      audit.rateLimited(address, "rest", path);
      throw new ProtocolError("E_RATE_LIMITED", "too many requests; slow down", { retryAfterMs: wait });
    }
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "v1" && parts[1] === "conversations") {
      await requireToken(req, url, address, path);
      return conversationApi(req, res, url, address);
    }
    if (isStudioPath(parts)) {
      await requireToken(req, url, address, path);
      return studio(req, res, url, address);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET" }).end();
      return;
    }
    if (path === "/health") {
      const gpu = gpus.latest[0];
      sendJson(res, 200, { status: "ok", sessions: sessions.size, ...(gpu ? { gpu } : {}) });
    } else if (path === "/ready") {
      const body = engines
        ? {
            ready: true,
            engines: {
              vad: engines.vad.info,
              asr: engines.asr.info,
              llm: engines.llm.info,
              tts: engines.tts.info,
              ...(engines.speaker ? { speaker: engines.speaker.info } : {}),
            },
          }
        : {
            ready: false,
            ...(loading ? { loading: { ...loading, fraction: loading.totalBytes ? loading.receivedBytes / loading.totalBytes : 0 } } : {}),
          };
      sendJson(res, engines ? 200 : 503, body);
    } else if (path === "/metrics") {
      if (!config.metricsPublic) await requireToken(req, url, address, path);
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text);
    } else if (!serveWeb?.(path, res)) {
      sendJson(res, 404, { error: { code: "E_NOT_FOUND", message: `nothing at ${path}`, retryable: false } });
    }
  }

  const server = createServer((req, res) => {
    let address = "unknown";
    try {
      address = clientAddress(req, config.trustProxy);
    } catch {
      // keep "unknown"
    }
    handleRequest(req, res, address).catch((err) => {
      try {
        // Answer before the body was read (413, 401, 429): tell the client, then read what it still sends
        // (no "Connection: close": Node would close the socket under a client still uploading, which
        // then sees a reset instead of the answer).
        sendError(res, err, (e) => log.error("request failed", { method: req.method, error: (e as Error)?.stack ?? String(e) }));
        if (!req.complete) drainThenClose(req);
      } catch (inner) {
        log.error("could not answer a failed request", { error: String(inner) });
        res.destroy();
      }
    });
  });
  // A client that sends garbage before any request is answered 400 by Node; log nothing, crash never.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy()); // a reset mid-handshake must not become an uncaught error
    handleUpgrade(req, socket, head).catch((err) => {
      log.error("upgrade failed", { error: (err as Error)?.stack ?? String(err) });
      socket.destroy();
    });
  });

  async function handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const address = clientAddress(req, config.trustProxy);
    let url: URL;
    try {
      url = parseUrl(req);
    } catch {
      return refuseUpgrade(socket, 400);
    }
    const path = url.pathname;
    if (path !== REALTIME_PATH && path !== DIALOGUE_EVENTS_PATH) return refuseUpgrade(socket, 404);
    const blocked = config.token ? await limits.authBlockedFor(address) : 0;
    if (blocked) {
      audit.rateLimited(address, "auth", path);
      return refuseUpgrade(socket, 429, blocked);
    }
    const wait = await limits.connect(address);
    if (wait) {
      audit.rateLimited(address, "connect", path);
      // A typed error a browser can read (it sees only close 1006 for an HTTP refusal).
      if (socket.destroyed) return;
      return wss.handleUpgrade(req, socket, head, (ws) =>
        refuse(ws, "E_RATE_LIMITED", "too many connects from this address; wait before reconnecting", 4429, wait),
      );
    }
    const token = tokenFrom(req, url);
    const tokenOk = !config.token || (token !== null && tokenEquals(token, config.token));
    // A wrong token in the upgrade is refused outright; a missing one may still come in hello.
    if (!tokenOk && (token !== null || path === DIALOGUE_EVENTS_PATH)) {
      await authFailed(address, path);
      return refuseUpgrade(socket, 401);
    }
    if (socket.destroyed) return;
    if (path === DIALOGUE_EVENTS_PATH) {
      wss.handleUpgrade(req, socket, head, (ws) => serveDialogueEvents(ws, jobs, config.pingIntervalMs));
      return;
    }
    const release = pending.admit(address);
    if (release === "address") {
      audit.rateLimited(address, "pending", path);
      return refuseUpgrade(socket, 429, config.helloTimeoutMs);
    }
    if (release === "total") return refuseUpgrade(socket, 503, config.helloTimeoutMs);
    // ws answers a malformed handshake itself and never calls back: free the slot when the socket goes.
    socket.once("close", release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        accept(ws, tokenOk, address, release);
      } catch (err) {
        release();
        log.error("could not open a session", { error: (err as Error)?.stack ?? String(err) });
        ws.terminate();
      }
    });
  }

  function refuse(ws: WebSocket, code: ErrorCode, message: string, closeCode: number, retryAfterMs?: number): void {
    metrics.countError(code);
    const err = new ProtocolError(code, message);
    const msg: ServerMessage = { type: "error", code, message, retryable: err.retryable, ...(retryAfterMs ? { retryAfterMs } : {}) };
    ws.send(JSON.stringify(msg));
    ws.close(closeCode, code);
  }

  /** A socket before hello: it holds a pending slot (released on hello or close) and a deadline. */
  function accept(ws: WebSocket, authenticated: boolean, address: string, releasePending: () => void): void {
    if (!engines) {
      releasePending();
      refuse(ws, "E_BUSY", "models are still loading; retry when /ready answers 200", 1013);
      return;
    }
    const openedAt = Date.now();
    let admitted = false;
    let resumeToken: string | null = null;
    const session: Session = new Session(
      engines,
      config,
      metrics,
      {
        gpus: () => gpus.latest,
        send: (msg) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
        },
        sendBinary: (bytes) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
        },
        backlog: () => ws.bufferedAmount,
        close: (code, reason) => ws.close(code, reason),
        log: (level, msg, fields) => log[level](msg, fields),
        checkVoice,
        authFailed: () => void authFailed(address, `${REALTIME_PATH} session.hello`),
        admit: () => {
          const limit = config.maxSessions || (engines ? defaultSessionLimit(engines, availableParallelism()) : UNLIMITED_SESSIONS);
          if (sessions.size >= limit) {
            return new ProtocolError(
              "E_BUSY",
              `the pod is serving ${sessions.size} conversations, as many as it answers in time on this hardware (FIRESIDE_MAX_SESSIONS); try again later`,
            );
          }
          admitted = true;
          clearTimeout(helloDeadline);
          releasePending();
          sessions.add(session);
          metrics.sessionsActive.set(sessions.size);
          metrics.sessionsTotal.inc();
          audit.record("session.opened", "ok", { address, session: session.id });
          log.info("session opened", { session: session.id });
          return null;
        },
        resume: (token) => resumes.take(token),
        issueResumeToken: () => {
          resumeToken = resumes.issue({
            snapshot: () => session.snapshot(),
            takeOver: () => ws.close(4409, "resumed on another connection"),
          });
          return { token: resumeToken, graceMs: resumes.graceMs };
        },
      },
      authenticated,
      conversations,
    );
    const helloDeadline = setTimeout(() => {
      if (!admitted && ws.readyState === WebSocket.OPEN) {
        refuse(ws, "E_HELLO_TIMEOUT", `no session.hello within ${config.helloTimeoutMs} ms of connecting`, 4408);
      }
    }, config.helloTimeoutMs);

    // Keepalive: JSON pings the client can see, and protocol pings that find dead peers.
    let pingId = 0;
    const liveness = keepAlive(ws, config.pingIntervalMs, () => {
      if (admitted) ws.send(JSON.stringify({ type: "ping", id: ++pingId, t: Date.now() } satisfies ServerMessage));
    });
    ws.on("message", (data, isBinary) => {
      try {
        liveness.touch();
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        if (isBinary) session.onBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        else if (!isUtf8(bytes)) session.onMalformedText("text frame is not valid UTF-8");
        else session.onText(bytes.toString("utf8"));
      } catch (err) {
        log.error("message handler failed", { session: session.id, error: (err as Error)?.stack ?? String(err) });
      }
    });
    ws.on("error", (err) => log.warn("socket error", { session: session.id, error: err.message }));
    ws.on("close", (code) => {
      clearTimeout(helloDeadline);
      releasePending();
      try {
        session.close();
        if (resumeToken) resumes.park(resumeToken, session.snapshot());
      } catch (err) {
        log.error("session close failed", { session: session.id, error: (err as Error)?.stack ?? String(err) });
      }
      if (!admitted) return;
      sessions.delete(session);
      metrics.sessionsActive.set(sessions.size);
      audit.record("session.closed", "ok", { address, session: session.id, durationMs: Date.now() - openedAt, turns: session.turns, code });
      log.info("session closed", { session: session.id, code });
    });
  }

  return {
    server,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        void gpus.start();
        server.once("error", reject);
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
      }),
    setLoading(progress) {
      loading = progress;
    },
    setEngines(e) {
      engines = e;
      loading = null;
      metrics.enginesReady.set(1);
      // Cloning engines keep voices in memory: give them every stored profile.
      const register = e.tts.registerVoice;
      if (register) {
        for (const p of profiles.list()) {
          register(p.id, profiles.audioPath(p.id), p.transcript).catch((err: Error) =>
            log.warn("voice not registered", { voice: p.id, error: err.message }),
          );
        }
      }
      jobs.start();
    },
    async close() {
      gpus.stop();
      stopRetention();
      await jobs.stop();
      for (const c of wss.clients) c.close(1001, "server shutting down");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (engines)
        await Promise.all([engines.vad.close(), engines.asr.close(), engines.llm.close(), engines.tts.close(), engines.speaker?.close()]);
      db.close();
      audit.close();
    },
  };
}
