/**
 * One port: GET /health, GET /ready, GET /metrics, and the WebSocket at /v1/realtime.
 * Engines load after the port opens, so /health answers at once and /ready turns 200 when they
 * are loaded; WebSocket clients are refused with E_BUSY until then.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DIALOGUE_EVENTS_PATH, type ErrorCode, ProtocolError, REALTIME_PATH, type ServerMessage } from "@fireside/protocol";
import { WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config/config.js";
import type { Engines } from "../engines/types.js";
import { GpuTelemetry } from "../metrics/gpu-telemetry.js";
import { ServerMetrics } from "../metrics/metrics.js";
import { Session } from "../session/session.js";
import { openDatabase } from "../store/database.js";
import { DialogueJobs } from "../studio/dialogue-jobs.js";
import { VoiceProfiles } from "../studio/voice-profiles.js";
import { serveDialogueEvents } from "./dialogue-events.js";
import { keepAlive } from "./keepalive.js";
import type { Logger } from "./logger.js";
import { staticFiles } from "./static-files.js";
import { studioRoutes } from "./studio-routes.js";

export interface PodServer {
  readonly server: Server;
  readonly metrics: ServerMetrics;
  /** Resolves with the bound port once listening. */
  listen(): Promise<number>;
  /** Hands over loaded engines; /ready turns 200. */
  setEngines(engines: Engines): void;
  close(): Promise<void>;
}

const tokenEquals = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function tokenFrom(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7);
  const url = new URL(req.url ?? "/", "http://x");
  return url.searchParams.get("token");
}

export function createPodServer(config: Config, log: Logger): PodServer {
  const metrics = new ServerMetrics();
  let engines: Engines | null = null;
  const sessions = new Set<Session>();
  const gpus = new GpuTelemetry(metrics.registry, config.nvidiaSmi);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });

  const serveWeb = staticFiles(config.webDir);
  const db = openDatabase(join(config.dataDir, "fireside.db"));
  const profiles = new VoiceProfiles(db, join(config.dataDir, "voices"));
  const jobs = new DialogueJobs(
    db,
    join(config.dataDir, "dialogues"),
    () => engines?.tts ?? null,
    (id) => {
      if (engines?.tts.voices.some((v) => v.id === id)) return true;
      try {
        profiles.get(id);
      } catch {
        return false;
      }
      if (engines && !engines.tts.registerVoice) {
        throw new ProtocolError(
          "E_BAD_REQUEST",
          `voice ${id} is a cloned profile; this pod's TTS engine (${engines.tts.info.name}) has preset voices only`,
        );
      }
      return true;
    },
  );
  // Studio REST and the job-events socket take the token only up front (header or ?token=).
  const authorised = (req: IncomingMessage) => !config.token || tokenEquals(tokenFrom(req) ?? "", config.token);
  const studio = studioRoutes({
    profiles,
    jobs,
    engines: () => engines,
    maxUploadBytes: config.maxUploadBytes,
    authorised,
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    // Health is public and harmless: let a desktop app on any origin poll it.
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (studio(req, res, url)) return;
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/health") {
      const gpu = gpus.latest[0];
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ status: "ok", sessions: sessions.size, ...(gpu ? { gpu } : {}) }));
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
        : { ready: false };
      res.writeHead(engines ? 200 : 503, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (!serveWeb?.(path, res)) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "not found" }));
    }
  });

  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === DIALOGUE_EVENTS_PATH) {
      if (!authorised(req)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveDialogueEvents(ws, jobs, config.pingIntervalMs));
      return;
    }
    if (path !== REALTIME_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const token = tokenFrom(req);
    // A wrong token in the upgrade is refused outright; a missing one may still come in hello.
    if (config.token && token !== null && !tokenEquals(token, config.token)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, token !== null));
  });

  function refuse(ws: WebSocket, code: ErrorCode, message: string, closeCode: number): void {
    metrics.countError(code);
    const err = new ProtocolError(code, message);
    ws.send(JSON.stringify({ type: "error", code, message, retryable: err.retryable } satisfies ServerMessage));
    ws.close(closeCode, code);
  }

  function accept(ws: WebSocket, authenticated: boolean): void {
    if (!engines) {
      refuse(ws, "E_BUSY", "models are still loading; retry when /ready answers 200", 1013);
      return;
    }
    if (sessions.size >= config.maxSessions) {
      refuse(ws, "E_BUSY", `server is at its limit of ${config.maxSessions} sessions`, 1013);
      return;
    }
    const session = new Session(
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
      },
      authenticated,
    );
    sessions.add(session);
    metrics.sessionsActive.set(sessions.size);
    metrics.sessionsTotal.inc();
    log.info("session opened", { session: session.id });

    // Keepalive: JSON pings the client can see, and protocol pings that find dead peers.
    let pingId = 0;
    const liveness = keepAlive(ws, config.pingIntervalMs, () =>
      ws.send(JSON.stringify({ type: "ping", id: ++pingId, t: Date.now() } satisfies ServerMessage)),
    );
    ws.on("message", (data, isBinary) => {
      liveness.touch();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) session.onBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      else session.onText(bytes.toString("utf8"));
    });
    ws.on("error", (err) => log.warn("socket error", { session: session.id, error: err.message }));
    ws.on("close", (code) => {
      session.close();
      sessions.delete(session);
      metrics.sessionsActive.set(sessions.size);
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
    setEngines(e) {
      engines = e;
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
      await jobs.stop();
      for (const c of wss.clients) c.close(1001, "server shutting down");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (engines)
        await Promise.all([engines.vad.close(), engines.asr.close(), engines.llm.close(), engines.tts.close(), engines.speaker?.close()]);
      db.close();
    },
  };
}
