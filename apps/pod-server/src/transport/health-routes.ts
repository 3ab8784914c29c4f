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
  sessions(): number;
  engines(): Engines | null;
  loading(): LoadingProgress | null;
}

export const isHealthPath = (path: string) => path === "/health" || path === "/ready";

export function health(deps: HealthDeps, res: ServerResponse): void {
  const gpu = deps.gpus.latest[0];
  sendJson(res, 200, { status: "ok", sessions: deps.sessions(), ...(gpu ? { gpu } : {}) });
}

export function ready(deps: HealthDeps, res: ServerResponse): void {
  const engines = deps.engines();
  const loading = deps.loading();
  const body = engines
    ? {
        ready: true,
        // "degraded": a stage runs on its fallback; `degraded` says which, what serves and why.
        status: engines.degraded?.length ? "degraded" : "ready",
        degraded: engines.degraded ?? [],
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
}

export async function metricsText(deps: HealthDeps, res: ServerResponse): Promise<void> {
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { "Content-Type": deps.metrics.registry.contentType }).end(text);
}
