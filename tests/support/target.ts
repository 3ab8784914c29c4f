/**
 * Where an end-to-end test's clients go: one pod process, or a fleet — three pods on the same real
 * models behind HAProxy, with PostgreSQL and Redis (tests/support/fleet.ts) — so one test file runs
 * the same assertions against both.
 */
import { startFleet } from "./fleet.js";
import { startPod } from "./pod-process.js";
import { missingServices } from "./services.js";

export type TargetKind = "one pod" | "a fleet of three pods";

export interface Target {
  url: string;
  wsUrl: string;
  /** The Prometheus text of every pod, one after another. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

const missing = missingServices();
if (missing && process.env.CI) throw new Error(`CI must run the fleet tests: ${missing}`);

/** The kinds this machine can start: a fleet needs PostgreSQL, Redis and HAProxy installed. */
export const TARGETS: TargetKind[] = missing ? ["one pod"] : ["one pod", "a fleet of three pods"];
if (missing) console.warn(`fleet variants skipped: ${missing}`);

export async function startTarget(kind: TargetKind, env: Record<string, string> = {}): Promise<Target> {
  if (kind === "one pod") {
    const pod = await startPod(env);
    return { url: pod.url, wsUrl: pod.wsUrl, metrics: async () => (await fetch(`${pod.url}/metrics`)).text(), stop: () => pod.stop() };
  }
  const fleet = await startFleet({ env });
  return {
    url: fleet.url,
    wsUrl: fleet.wsUrl,
    metrics: async () =>
      (await Promise.all(fleet.pods.map(async (p) => (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text()))).join("\n"),
    stop: () => fleet.stop(),
  };
}
