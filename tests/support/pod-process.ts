/** Starts the real pod server as a child process on a free port, for end-to-end tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const serverDir = fileURLToPath(new URL("../../apps/pod-server/", import.meta.url));

export interface PodProcess {
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  stderr: () => string;
  /** Settles when the pod's models are loaded (already, unless started with `until: "listening"`). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** The small registry models: what CI has in its cache (see `pnpm models`). */
export const TEST_ENV = {
  FIRESIDE_LLM_MODEL: "smollm2-135m",
  FIRESIDE_ASR_MODEL: "whisper-base",
  FIRESIDE_LLM_THREADS: "1",
  FIRESIDE_LLM_TEMPERATURE: "0.2",
  FIRESIDE_LOG_LEVEL: "warn",
  // Tests hold several sessions at once; the hardware default (2 on CI's two cores) has its own test.
  FIRESIDE_MAX_SESSIONS: "64",
  // Admission by event-loop lag has its own tests (load-meter.test.ts, `pnpm bench capacity`); on two
  // cores shared with the models, a functional test must not depend on how late the loop runs.
  FIRESIDE_ADMIT_MAX_LAG_MS: "0",
};

/**
 * Starts a pod and resolves once it answers: when its models are loaded, or with `until:
 * "listening"` as soon as its port is open (it then refuses sessions as loading until `ready`).
 */
export async function startPod(
  env: Record<string, string> = {},
  timeoutMs = 240_000,
  /** `instant`: the pod on instant test-double engines (tests/support/instant-pod.ts) instead of real models. */
  opts: { until?: "listening" | "ready"; instant?: boolean } = {},
): Promise<PodProcess> {
  const entry = opts.instant ? fileURLToPath(new URL("./instant-pod.ts", import.meta.url)) : "src/cli.ts";
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: serverDir,
    // Each server gets its own database and voice folder unless the test shares one on purpose.
    env: { ...process.env, ...TEST_ENV, FIRESIDE_PORT: "0", FIRESIDE_DATA_DIR: mkdtempSync(join(tmpdir(), "fireside-data-")), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  let listening!: (port: number) => void;
  const listeningPort = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pod server not ready after ${timeoutMs} ms\n${err.slice(-3000)}`)), timeoutMs);
    let port = 0;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const ev = JSON.parse(line) as { event: string; port: number };
        if (ev.event === "listening") {
          port = ev.port;
          listening(ev.port);
        }
        if (ev.event === "ready") {
          clearTimeout(timer);
          resolve(port || ev.port);
        }
      } catch {
        // not an event line
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pod server exited with ${code}\n${err.slice(-3000)}`));
    });
  });
  ready.catch(() => {}); // awaited below or by the caller
  const port = opts.until === "listening" ? await Promise.race([listeningPort, ready]) : await ready;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/realtime`,
    child,
    stderr: () => err,
    ready: ready.then(() => undefined),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // exited, or killed by a signal
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
