/**
 * The pod's health line: /ready (loaded, or the model download's progress) every 5 s and at every
 * connection change, then /health for its GPU over time when it reports one.
 */
import type { Degradation } from "@fireside/protocol";
import { httpBase } from "../transport/pod-transport";
import type { Emit } from "./session-events";

/** GET /ready (docs/operations.md): while loading, which model file is downloading and how far. */
export interface ReadyBody {
  ready?: boolean;
  loading?: { model: string; fraction: number };
  /** While loading: the stage whose engine loads now, in words. */
  stage?: string;
  /** Stages on their fallback engine (a pod that degraded instead of failing). */
  degraded?: Degradation[];
}

/** GET /health (docs/operations.md): the first GPU where the pod has nvidia-smi. */
export interface HealthBody {
  gpu?: { utilisation: number; memoryMiB: number; memoryTotalMiB: number };
}

export interface HealthFetchers {
  fetchReady?: (url: string) => Promise<{ status: number; body: ReadyBody }>;
  fetchHealth?: (url: string) => Promise<HealthBody>;
}

const POLL_MS = 5000;

export class PodHealth {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly fetchReady: NonNullable<HealthFetchers["fetchReady"]>;
  private readonly fetchHealth: NonNullable<HealthFetchers["fetchHealth"]>;

  constructor(
    private readonly podUrl: () => string,
    private readonly emit: Emit,
    fetchers: HealthFetchers = {},
  ) {
    this.fetchReady =
      fetchers.fetchReady ??
      (async (url) => {
        const res = await fetch(url);
        return { status: res.status, body: (await res.json()) as ReadyBody };
      });
    this.fetchHealth = fetchers.fetchHealth ?? (async (url) => (await (await fetch(url)).json()) as HealthBody);
  }

  start(): void {
    const poll = async () => {
      if (!(await this.refresh())) return;
      try {
        const gpu = (await this.fetchHealth(`${httpBase(this.podUrl())}/health`)).gpu;
        if (gpu) this.emit({ type: "gpu", at: Date.now(), ...gpu });
      } catch {
        // GPU telemetry is optional; the health line already says whether the pod answers.
      }
    };
    void poll();
    this.timer = setInterval(poll, POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * "Healthy" only when the pod's models are loaded and it answers. Asked every poll and at every
   * connection change (the last answer is stale then); false when the pod did not answer.
   */
  async refresh(): Promise<boolean> {
    try {
      const ready = await this.fetchReady(`${httpBase(this.podUrl())}/ready`);
      const progress = ready.body.loading;
      this.emit({
        type: "health",
        health: {
          ok: ready.status === 200,
          loading: ready.status === 503,
          // A finished download stays in /ready until the engines are up: only one under way is progress.
          ...(progress && progress.fraction < 1 ? { progress: `${progress.model} ${Math.round(progress.fraction * 100)}%` } : {}),
          ...(ready.body.stage ? { stage: ready.body.stage } : {}),
          ...(ready.body.degraded?.length ? { degraded: ready.body.degraded.map(describeDegradation) } : {}),
        },
      });
      return true;
    } catch {
      this.emit({ type: "health", health: { ok: false } });
      return false;
    }
  }
}

/** One fallback in words: "voice: FireRedTTS2 failed to load (…); piper (en_US-joe-medium) serves". */
export function describeDegradation(d: Degradation): string {
  const stage = {
    vad: "voice detection",
    asr: "speech recognition",
    llm: "language model",
    tts: "voice",
    speaker: "speaker check",
    turn: "end-of-turn model",
  }[d.stage];
  return `${stage}: ${d.wanted} failed to load (${d.reason}); ${d.serving} serves`;
}
