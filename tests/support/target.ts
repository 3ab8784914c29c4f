/**
 * Where an end-to-end test's clients go: one pod process, or a fleet — three pods on the same real
 * models behind HAProxy, with PostgreSQL and Redis (tests/support/fleet.ts) — so one test file runs
 * the same assertions against both.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Fleet, startFleet } from "./fleet.js";
import { type PodProcess, startPod } from "./pod-process.js";
import { pollUntil } from "./poll.js";
import { fleetServicesMissing, pgDump, psql } from "./services.js";

export type TargetKind = "one pod" | "a fleet of three pods";

export interface Target {
  readonly kind: TargetKind;
  /** HTTP base URL: the pod's, or the balancer's; and its port. */
  readonly url: string;
  readonly port: number;
  readonly wsUrl: string;
  /** Each pod's data folder (its audit log; its SQLite file and clips when alone). */
  readonly dataDirs: string[];
  /** Every pod process is still running. */
  alive(): boolean;
  /** The Prometheus text of every pod, one after another. */
  metrics(): Promise<string>;
  /**
   * Cuts the dialogue job being rendered short: one pod stops and starts again on its data; in a
   * fleet, the pod rendering it drains (handing the job back) and starts again.
   */
  interruptRender(jobId: string): Promise<void>;
  /** Every pod stops and starts again (a fleet: one at a time, each drained first). */
  restart(): Promise<void>;
  /** The audio kept: voice clips or rendered dialogues (files on a pod's volume; rows in a fleet's database). */
  storedAudio(kind: "voices" | "dialogues"): Promise<string[]>;
  /** Where `text` is still kept: files under the data folders, and a fleet's database (its rows as pg_dump writes them). */
  holding(text: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Files under `dirs` whose bytes contain `text`. */
function filesHolding(dirs: string[], text: string): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && readFileSync(join(e.parentPath, e.name)).includes(text))
      .map((e) => join(e.parentPath, e.name)),
  );
}

const missing = fleetServicesMissing();

/** The kinds this machine can start: a fleet needs PostgreSQL, Redis and HAProxy installed. */
export const TARGETS: TargetKind[] = missing ? ["one pod"] : ["one pod", "a fleet of three pods"];
if (missing) console.warn(`fleet variants skipped: ${missing}`);

export async function startTarget(kind: TargetKind, env: Record<string, string> = {}): Promise<Target> {
  return kind === "one pod" ? onePod(env) : fleetOf(await startFleet({ env }));
}

async function onePod(env: Record<string, string>): Promise<Target> {
  // Its own data folder, kept across a restart.
  const withData = { FIRESIDE_DATA_DIR: mkdtempSync(join(tmpdir(), "fireside-target-")), ...env };
  let pod: PodProcess = await startPod(withData);
  const restart = async () => {
    await pod.stop();
    pod = await startPod(withData);
  };
  return {
    kind: "one pod",
    get url() {
      return pod.url;
    },
    get port() {
      return pod.port;
    },
    dataDirs: [withData.FIRESIDE_DATA_DIR],
    alive: () => pod.child.exitCode === null && pod.child.signalCode === null,
    get wsUrl() {
      return pod.wsUrl;
    },
    metrics: async () => (await fetch(`${pod.url}/metrics`)).text(),
    interruptRender: restart,
    restart,
    async storedAudio(kind) {
      const dir = join(withData.FIRESIDE_DATA_DIR, kind);
      return existsSync(dir) ? readdirSync(dir) : [];
    },
    holding: async (text) => filesHolding([withData.FIRESIDE_DATA_DIR], text),
    stop: () => pod.stop(),
  };
}

function fleetOf(fleet: Fleet): Target {
  const podUrl = (port: number) => `http://127.0.0.1:${port}`;
  return {
    kind: "a fleet of three pods",
    url: fleet.url,
    port: Number(new URL(fleet.url).port),
    dataDirs: fleet.pods.map((p) => p.dataDir),
    alive: () => fleet.pods.every((p) => p.process.child.exitCode === null && p.process.child.signalCode === null),
    wsUrl: fleet.wsUrl,
    metrics: async () => (await Promise.all(fleet.pods.map(async (p) => (await fetch(`${podUrl(p.port)}/metrics`)).text()))).join("\n"),
    async interruptRender(jobId) {
      const rendering = async () => {
        for (const p of fleet.pods) {
          const ready = (await (await fetch(`${podUrl(p.port)}/ready`)).json()) as { rendering?: string | null };
          if (ready.rendering === jobId) return p;
        }
        return undefined;
      };
      let pod: Fleet["pods"][number] | undefined;
      await pollUntil(
        `a pod to render ${jobId}`,
        async () => {
          pod = await rendering();
          return pod !== undefined;
        },
        30_000,
        50,
      );
      await fleet.drain(pod!);
      await fleet.restart(pod!);
    },
    async restart() {
      for (const p of fleet.pods) {
        await fleet.drain(p);
        await fleet.restart(p);
      }
    },
    async storedAudio(kind) {
      const keys = psql(fleet.postgres.url, "SELECT key FROM blobs ORDER BY key");
      return keys.filter((k) => k.startsWith("voice_") === (kind === "voices"));
    },
    async holding(text) {
      const dump = pgDump(fleet.postgres.url).includes(text) ? ["the fleet's database"] : [];
      return [
        ...filesHolding(
          fleet.pods.map((p) => p.dataDir),
          text,
        ),
        ...dump,
      ];
    },
    stop: () => fleet.stop(),
  };
}
