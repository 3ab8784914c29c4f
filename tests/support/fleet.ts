/**
 * A fleet as the tests start it: PostgreSQL, Redis, N pods as plain processes, and HAProxy running
 * the shipped runpod/fleet/haproxy.cfg in front — the topology of runpod/fleet/compose.yaml on
 * loopback ports. Pods keep their port and agent port across restarts, as a redeployed container
 * keeps its address.
 */

import { mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type PodProcess, startPod } from "./pod-process.js";
import { pollUntil } from "./poll.js";
import { type Balancer, freePort, type Service, startHaproxy, startPostgres, startRedis } from "./services.js";

export const HAPROXY_CFG = fileURLToPath(new URL("../../runpod/fleet/haproxy.cfg", import.meta.url));

export interface FleetPod {
  id: string;
  port: number;
  agentPort: number;
  /** Its own volume (audit log), kept across a restart. */
  dataDir: string;
  process: PodProcess;
}

export interface Fleet {
  url: string;
  wsUrl: string;
  pods: FleetPod[];
  postgres: Service;
  redis: Service;
  balancer: Balancer;
  /** kill -9: the pod is gone at once, mid-whatever. */
  kill(pod: FleetPod): Promise<void>;
  /** SIGTERM: the pod drains (its sessions move), then exits; resolves on its exit. */
  drain(pod: FleetPod): Promise<number | null>;
  /** Starts a stopped pod again on its port; resolves once HAProxy sees it up. */
  restart(pod: FleetPod): Promise<void>;
  /** The balancer's view of the pods: state and current sessions per pod in the realtime backend. */
  servers(): Promise<{ pod: string; status: string; sessions: number }[]>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  pods?: number;
  /** Pods on instant test-double engines (tests/support/instant-pod.ts) instead of real models. */
  instant?: boolean;
  env?: Record<string, string>;
  /** HAProxy's connection limit in all (FIRESIDE_LB_MAXCONN); 400 unless a bench needs more. */
  lbMaxconn?: number;
}

export async function startFleet(opts: FleetOptions = {}): Promise<Fleet> {
  const count = opts.pods ?? 3;
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const pods: FleetPod[] = [];
  for (let i = 1; i <= count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `fireside-pod${i}-`));
    pods.push({ id: `pod${i}`, port: await freePort(), agentPort: await freePort(), dataDir, process: null! });
  }
  const envOf = (pod: FleetPod) => ({
    FIRESIDE_DATABASE_URL: postgres.url,
    FIRESIDE_REDIS_URL: redis.url,
    FIRESIDE_POD_ID: pod.id,
    FIRESIDE_PORT: String(pod.port),
    FIRESIDE_AGENT_PORT: String(pod.agentPort),
    FIRESIDE_TRUST_PROXY: "true",
    ...opts.env,
    FIRESIDE_DATA_DIR: pod.dataDir,
  });
  const launch = (pod: FleetPod) => startPod(envOf(pod), 240_000, { instant: !!opts.instant });
  // Real-model pods load one at a time (two cores); doubles start together.
  if (opts.instant) await Promise.all(pods.map(async (p) => (p.process = await launch(p))));
  else for (const p of pods) p.process = await launch(p);

  const lbPort = await freePort();
  const statsSocket = `/tmp/fireside-haproxy-${lbPort}.sock`;
  const env: Record<string, string> = {
    FIRESIDE_LB_BIND: `127.0.0.1:${lbPort}`,
    FIRESIDE_LB_STATS_SOCKET: statsSocket,
    FIRESIDE_LB_MAXCONN: String(opts.lbMaxconn ?? 400),
  };
  pods.forEach((p, i) => {
    env[`FIRESIDE_POD${i + 1}`] = `127.0.0.1:${p.port}`;
    env[`FIRESIDE_POD${i + 1}_AGENT_PORT`] = String(p.agentPort);
  });
  const config = expandEnv(readFileSync(HAPROXY_CFG, "utf8"), env, count);
  const balancer = await startHaproxy(config, lbPort);

  const servers = async () => {
    const csv = await statsCommand(statsSocket, "show stat");
    const [header, ...rows] = csv.trim().split("\n");
    const cols = header!.replace(/^# /, "").split(",");
    const at = (row: string[], name: string) => row[cols.indexOf(name)] ?? "";
    return rows
      .map((r) => r.split(","))
      .filter((r) => at(r, "pxname") === "realtime" && at(r, "svname").startsWith("pod"))
      .map((r) => ({ pod: at(r, "svname"), status: at(r, "status"), sessions: Number(at(r, "scur")) }));
  };
  const allUp = async () => (await servers()).every((s) => s.status === "UP");
  await pollUntil("HAProxy to see every pod up", allUp, 30_000, 100);

  const exited = (p: FleetPod) =>
    new Promise<number | null>((resolve) => {
      const { exitCode, signalCode } = p.process.child;
      if (exitCode !== null || signalCode !== null) return resolve(exitCode);
      p.process.child.once("exit", (code) => resolve(code));
    });
  return {
    url: balancer.url,
    wsUrl: `ws://127.0.0.1:${lbPort}/v1/realtime`,
    pods,
    postgres,
    redis,
    balancer,
    servers,
    async kill(pod) {
      const gone = exited(pod);
      pod.process.child.kill("SIGKILL");
      await gone;
    },
    async drain(pod) {
      const gone = exited(pod);
      pod.process.child.kill("SIGTERM");
      return gone;
    },
    async restart(pod) {
      pod.process = await launch(pod);
      await pollUntil(
        `HAProxy to see ${pod.id} up again`,
        async () => (await servers()).find((s) => s.pod === pod.id)?.status === "UP",
        30_000,
        100,
      );
    },
    async stop() {
      await balancer.stop();
      await Promise.all(pods.map((p) => p.process.stop()));
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

/**
 * The shipped configuration with its "${VAR}" references filled in (HAProxy would read them from its
 * environment; filling them here keeps each test's balancer independent) and trimmed to `pods` servers.
 */
function expandEnv(config: string, env: Record<string, string>, pods: number): string {
  const lines = config.split("\n").filter((line) => {
    const m = /^\s*server pod(\d+)\b/.exec(line);
    return !m || Number(m[1]) <= pods;
  });
  return lines.join("\n").replace(/"\$\{(\w+)\}"/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`haproxy.cfg needs ${name}`);
    return `"${value}"`;
  });
}

function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("end", () => resolve(out));
    s.on("error", reject);
    s.write(`${command}\n`);
  });
}
