/**
 * The fleet's real parts, from Debian's packages, started by the tests on loopback ports: a
 * PostgreSQL cluster (initdb in a temporary folder; as the `postgres` user when the tests run as
 * root, which PostgreSQL refuses), a Redis server without persistence, and HAProxy. Each can be
 * stopped and started again on the same port and data, as an outage and a recovery.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "./poll.js";

export async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Where Debian puts PostgreSQL's server programs (initdb and pg_ctl are not on PATH there). */
function pgBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb")));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

/** Whether a program is on PATH. */
export const installed = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Why the fleet's parts cannot start here (null when they can): CI fails on it, elsewhere tests skip. */
export function missingServices(): string | null {
  const missing = [!pgBin() && "postgresql", !installed("redis-server") && "redis-server", !installed("haproxy") && "haproxy"].filter(
    Boolean,
  );
  return missing.length ? `not installed: ${missing.join(", ")} (scripts/setup.sh installs them)` : null;
}

/** What a fleet test lacks here (null: nothing), to skip with; CI must have it all, so there it throws. */
export function fleetServicesMissing(): string | null {
  const missing = missingServices();
  if (missing && process.env.CI) throw new Error(`CI must run the fleet tests: ${missing}`);
  return missing;
}

export interface Service {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the postgres user when we are root (it refuses root). */
function pgRun(bin: string, args: string[]): void {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
}

export async function startPostgres(): Promise<Service> {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL is not installed");
  const dir = mkdtempSync(join(tmpdir(), "fireside-pg-"));
  const data = join(dir, "data");
  if (asRoot) {
    chmodSync(dir, 0o755);
    const { uid, gid } = userIds("postgres");
    chownSync(dir, uid, gid);
  }
  pgRun(join(bin, "initdb"), ["-D", data, "-U", "fireside", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    pgRun(join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
  };
  await start();
  pgRun(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "fireside", "fireside"]);
  return {
    url: `postgres://fireside@127.0.0.1:${port}/fireside`,
    port,
    start,
    async stop() {
      pgRun(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    },
  };
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** A child process kept running until stopped, started again on the same arguments. */
function daemon(cmd: string, args: string[], isUp: () => Promise<boolean>, what: string) {
  let child: ChildProcess | null = null;
  let log = "";
  return {
    async start() {
      child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      child.stderr!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      const started = child;
      await pollUntil(
        `${what} to start\n${log}`,
        async () => {
          if (started.exitCode !== null) throw new Error(`${what} exited with ${started.exitCode}: ${log}`);
          return isUp();
        },
        20_000,
      );
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        c.kill("SIGKILL");
      });
    },
    /** The process, to send it a signal (HAProxy reloads on SIGUSR2). */
    process: () => child,
  };
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** Runs one statement with psql against `url`; its rows, one per line, fields split by "|". */
export function psql(url: string, statement: string): string[] {
  const out = execFileSync(join(pgBin()!, "psql"), ["-At", "-d", url, "-c", statement], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

/** Everything the database holds, as pg_dump writes it out (data only). */
export function pgDump(url: string): string {
  return execFileSync(join(pgBin()!, "pg_dump"), ["--data-only", "-d", url], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

export async function startRedis(): Promise<Service> {
  const port = await freePort();
  const d = daemon(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    () => portOpen(port),
    "redis-server",
  );
  await d.start();
  return { url: `redis://127.0.0.1:${port}`, port, start: d.start, stop: d.stop };
}

export interface Balancer extends Service {
  /** The HAProxy configuration it runs. */
  config: string;
}

/** HAProxy with `configText` (its `bind` already naming `port`), run in the foreground. */
export async function startHaproxy(configText: string, port: number): Promise<Balancer> {
  const dir = mkdtempSync(join(tmpdir(), "fireside-haproxy-"));
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, configText);
  execFileSync("haproxy", ["-c", "-q", "-f", file]);
  const d = daemon("haproxy", ["-db", "-f", file], () => portOpen(port), "haproxy");
  await d.start();
  return { url: `http://127.0.0.1:${port}`, port, config: configText, start: d.start, stop: d.stop };
}
