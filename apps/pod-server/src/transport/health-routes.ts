/**
 * The operator's routes: GET /health (the process answers), GET /ready (engines loaded — degraded or
 * not — or the model download's progress while they load) and GET /metrics (Prometheus text).
 */
import type { ServerResponse } from "node:http";
import type { Engines } from "../engines/types.js";
import type { GpuTelemetry } from "../metrics/gpu-telemetry.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { sendJson } from "./http-json.js";

export interface LoadingProgress {
  model: string;
  file: string;
  receivedBytes: number;
  totalBytes: number;
}

export interface HealthDeps {
  metrics: ServerMetrics;
  gpus: GpuTelemetry;
  /** This pod's name in a fleet (FIRESIDE_POD_ID). */
  pod: string;
  sessions(): number;
  /** The event loop's delay p99 over the last second, ms. */
  lagP99Ms(): number;
  loopBusy(): number;
  engines(): Engines | null;
  loading(): LoadingProgress | null;
  /** The stage whose engine is loading now, in words ("the voice (FireRedTTS2)"), or null. */
  loadingStage(): string | null;
  /** The dialogue job this pod is rendering (null when none). */
  rendering(): string | null;
  /** True once the pod began to drain (SIGTERM): /ready answers 503 so the balancer sends nothing new. */
  draining(): boolean;
  /** Resolves when the database answers. */
  storage(): Promise<void>;
  /** Whether the fleet's Redis is up; absent when the pod has none. */
  sharedState?(): boolean;
}

/** How long /ready waits for the database before saying it is unavailable. */
const STORAGE_PING_MS = 1000;

async function storageUp(deps: HealthDeps): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), STORAGE_PING_MS);
  });
  try {
    return await Promise.race([deps.storage().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export const isHealthPath = (path: string) => path === "/health" || path === "/ready";

export function health(deps: HealthDeps, res: ServerResponse): void {
  const gpu = deps.gpus.latest[0];
  sendJson(res, 200, { status: "ok", sessions: deps.sessions(), ...(gpu ? { gpu } : {}) });
}

/**
 * 200 once engines are loaded. A database or Redis that cannot be reached does not take the pod out
 * of the balancer (every pod shares them; conversations are still answered): it says so in `state`
 * and status "degraded".
 */
export async function ready(deps: HealthDeps, res: ServerResponse): Promise<void> {
  const engines = deps.engines();
  const loading = deps.loading();
  const state = {
    database: (await storageUp(deps)) ? "ok" : "unavailable",
    ...(deps.sharedState ? { sharedState: deps.sharedState() ? "ok" : "unavailable" } : {}),
  };
  const stateDown = Object.values(state).includes("unavailable");
  if (deps.draining()) {
    sendJson(res, 503, { ready: false, pod: deps.pod, draining: true, sessions: deps.sessions(), state });
    return;
  }
  const body = engines
    ? {
        ready: true,
        pod: deps.pod,
        // "degraded": a stage runs on its fallback (`degraded` says which, what serves and why), or
        // the shared state is unreachable (`state`).
        status: engines.degraded?.length || stateDown ? "degraded" : "ready",
        degraded: engines.degraded ?? [],
        state,
        sessions: deps.sessions(),
        lagP99Ms: Math.round(deps.lagP99Ms()),
        loopBusy: Math.round(deps.loopBusy() * 100) / 100,
        rendering: deps.rendering(),
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
        pod: deps.pod,
        state,
        ...(loading ? { loading: { ...loading, fraction: loading.totalBytes ? loading.receivedBytes / loading.totalBytes : 0 } } : {}),
        ...(deps.loadingStage() ? { stage: deps.loadingStage() } : {}),
      };
  sendJson(res, engines ? 200 : 503, body);
}

export async function metricsText(deps: HealthDeps, res: ServerResponse): Promise<void> {
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { "Content-Type": deps.metrics.registry.contentType }).end(text);
}
