/**
 * The pod's composition root: builds the stores, guards, studio and routes, and puts them on one
 * port — plain HTTP (http-routes.ts) and WebSocket upgrades (upgrades.ts). Engines load after the
 * port opens, so /health answers at once and /ready turns 200 when they are loaded; realtime clients
 * are refused with E_BUSY until then.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import type { DialogueEvent } from "@fireside/protocol";
import { WebSocketServer } from "ws";
import { AuditLog } from "../audit/audit-log.js";
import type { Config } from "../config/config.js";
import { closeEngines } from "../engines/close-engines.js";
import type { Engines } from "../engines/types.js";
import { serveAgent } from "../fleet/agent.js";
import { RedisBroadcast } from "../fleet/broadcast.js";
import { connectRedis } from "../fleet/redis.js";
import { RedisResumes } from "../fleet/shared-resumes.js";
import { LoadMeter } from "../guard/load-meter.js";
import { PendingSockets } from "../guard/pending-sockets.js";
import { RateLimits } from "../guard/rate-limits.js";
import { TokenGate } from "../guard/token-gate.js";
import { AlertWebhook } from "../metrics/alert-webhook.js";
import { GpuTelemetry } from "../metrics/gpu-telemetry.js";
import { ServerMetrics } from "../metrics/metrics.js";
import { ResumeStore } from "../session/resume-store.js";
import { ConversationStore } from "../store/conversations.js";
import { openStorage } from "../store/storage.js";
import { DialogueJobs } from "../studio/dialogue-jobs.js";
import { LocalDialogueQueue, PgBossDialogueQueue } from "../studio/dialogue-queue.js";
import { keepRetention } from "../studio/retention.js";
import { VoiceProfiles } from "../studio/voice-profiles.js";
import { VoiceRules } from "../studio/voice-rules.js";
import { conversationRoutes } from "./conversation-routes.js";
import { serveDialogueEvents } from "./dialogue-events.js";
import type { LoadingProgress } from "./health-routes.js";
import { httpRoutes } from "./http-routes.js";
import type { Logger } from "./logger.js";
import { RealtimeSockets } from "./realtime-sockets.js";
import { studioRoutes } from "./studio-routes.js";
import { upgrades } from "./upgrades.js";

export type { LoadingProgress } from "./health-routes.js";

export interface PodServer {
  readonly server: Server;
  readonly metrics: ServerMetrics;
  /** Resolves with the bound port once listening. */
  listen(): Promise<number>;
  /** Hands over loaded engines; /ready turns 200. */
  setEngines(engines: Engines): void;
  /** Model download progress while loading, for /ready (the app shows it). */
  setLoading(progress: LoadingProgress): void;
  /** Which stage's engine is loading now, in words (models on disk load without a download to show). */
  setLoadingStage(stage: string): void;
  /**
   * Before a planned stop (SIGTERM): /ready 503 and the agent says `drain`, no new session, each live
   * one moves to another pod once its reply has ended (or after `boundMs`), the dialogue queue stops
   * taking jobs. Resolves when no session is left; close() then stops the rest.
   */
  drain(boundMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createPodServer(config: Config, log: Logger): PodServer {
  const metrics = new ServerMetrics();
  metrics.watchDisk(config.dataDir);
  const alerts = new AlertWebhook(config.alertWebhook, (msg, fields) => log.warn(msg, fields));
  metrics.onError((code) => {
    if (code === "E_STORAGE_FULL")
      void alerts.notify("storage_full", `Fireside's data disk is full: turns and voices are not being stored (${config.dataDir})`, {
        dataDir: config.dataDir,
      });
  });
  let engines: Engines | null = null;
  let loading: LoadingProgress | null = null;
  let loadingStage: string | null = null;
  let draining = false;
  const gpus = new GpuTelemetry(metrics.registry, config.nvidiaSmi);
  // Text frames are checked for UTF-8 by the connection, which answers E_BAD_JSON instead of closing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false, skipUTF8Validation: true });

  const storage = openStorage(config, (err) => log.warn("database connection dropped", { error: err.message }));
  const audit = new AuditLog(config.dataDir, { maxBytes: config.auditMaxBytes, content: config.auditContent });
  const pod = config.podId || `${hostname()}-${process.pid}`;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, (msg, fields) => log.warn(msg, { ...fields, pod })) : null;
  const limits = new RateLimits(config, redis?.client ?? null);
  const resumes = new ResumeStore(config.resumeGraceMs, 1024, redis ? new RedisResumes(redis, pod) : null, (err) =>
    log.warn("shared resume state unavailable", { error: err.message }),
  );
  const gate = new TokenGate(config.token, limits, audit, metrics);
  const pending = new PendingSockets(config.maxPendingPerAddress, config.maxPending);
  const profiles = new VoiceProfiles(storage.sql, storage.voiceAudio);
  const conversations = new ConversationStore(storage.sql);
  const voices = new VoiceRules(profiles, () => engines?.tts ?? null);
  // Dialogue jobs refuse unknown voices themselves ("does not exist"); a cloned one on a preset-only pod throws.
  const jobs = new DialogueJobs({
    sql: storage.sql,
    blobs: storage.dialogueAudio,
    tts: () => engines?.tts ?? null,
    voiceExists: (id) => voices.known(id),
    queue: config.databaseUrl
      ? new PgBossDialogueQueue(config.databaseUrl, (err) => log.warn("dialogue queue", { error: err.message }))
      : new LocalDialogueQueue(storage.sql),
    ...(redis
      ? {
          broadcast: new RedisBroadcast<DialogueEvent>(redis, "fireside:dialogue-events", (err) =>
            log.warn("dialogue events", { error: err.message }),
          ),
        }
      : {}),
  });
  const stopRetention = keepRetention({ profiles, jobs, conversations }, config.retentionDays, audit, (err) =>
    log.warn("retention sweep failed; tried again in an hour", { error: err.message }),
  );
  const load = new LoadMeter(config.admitMaxLagMs, 1000, (p99Ms) => {
    metrics.eventLoopLag.set(p99Ms / 1000);
    realtime.onLoadWindow(p99Ms);
  });
  const realtime: RealtimeSockets = new RealtimeSockets({
    load,
    config,
    log,
    metrics,
    audit,
    gate,
    gpus,
    resumes,
    voices,
    conversations,
  });

  const server = createServer(
    httpRoutes({
      config,
      log,
      limits,
      gate,
      audit,
      health: {
        metrics,
        gpus,
        pod,
        sessions: () => realtime.size,
        lagP99Ms: () => load.lagP99Ms,
        loopBusy: () => load.loopBusy,
        engines: () => engines,
        loading: () => loading,
        loadingStage: () => loadingStage,
        draining: () => draining,
        rendering: () => jobs.rendering,
        storage: () => storage.sql.ping(),
        ...(redis ? { sharedState: () => redis.up() } : {}),
      },
      conversations: conversationRoutes({ conversations, audit }),
      studio: studioRoutes({ profiles, voices, jobs, conversations, engines: () => engines, maxUploadBytes: config.maxUploadBytes, audit }),
    }),
  );
  // A client that sends garbage before any request is answered 400 by Node; log nothing, crash never.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.on(
    "upgrade",
    upgrades({
      config,
      log,
      wss,
      limits,
      pending,
      gate,
      audit,
      metrics,
      accepting: () => !draining,
      realtime: (ws, authenticated, address, release) => realtime.accept(ws, engines, authenticated, address, release),
      dialogueEvents: (ws) => serveDialogueEvents(ws, jobs, config.pingIntervalMs),
    }),
  );

  const agent = config.agentPort
    ? serveAgent(config.agentPort, config.host, () => ({ draining, limit: realtime.limit(engines), pending: config.maxPending }))
    : null;
  agent?.catch((err: Error) => log.error("agent check port could not open", { port: config.agentPort, error: err.message }));

  return {
    server,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        void gpus.start();
        server.once("error", reject);
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
      }),
    async drain(boundMs) {
      draining = true;
      log.info("draining", { pod, sessions: realtime.size, boundMs });
      await jobs.stop();
      await realtime.drain(boundMs);
    },
    setLoading(progress) {
      loading = progress;
    },
    setLoadingStage(stage) {
      loadingStage = stage;
    },
    setEngines(e) {
      engines = e;
      loading = null;
      load.reset();
      metrics.enginesReady.set(1);
      for (const d of e.degraded ?? []) metrics.engineDegraded.set({ stage: d.stage }, 1);
      if (e.degraded?.length) {
        const what = e.degraded.map((d) => `${d.stage}: ${d.wanted} failed (${d.reason}); ${d.serving} serves`).join("; ");
        void alerts.notify("degraded", `Fireside is ready, degraded: ${what}`, { degraded: e.degraded });
      }
      // Cloning engines keep voices in memory: give them every stored profile (one cloned later
      // through another pod is given when first named).
      if (e.tts.registerVoice) {
        profiles.list().then(
          (list) => {
            for (const p of list) {
              voices.register(e.tts, p).catch((err: Error) => log.warn("voice not registered", { voice: p.id, error: err.message }));
            }
          },
          (err: Error) => log.warn("stored voices not registered yet", { error: err.message }),
        );
      }
      jobs.start().catch((err: Error) => log.warn("dialogue queue not started", { error: err.message }));
    },
    async close() {
      gpus.stop();
      stopRetention();
      await jobs.stop();
      for (const c of wss.clients) c.close(1001, "server shutting down");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (engines) await closeEngines(engines);
      resumes.close();
      load.close();
      (await agent?.catch(() => null))?.close();
      await storage.sql.close();
      await redis?.close();
      audit.close();
    },
  };
}
