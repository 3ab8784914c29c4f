/** Starts a bench helper process and waits for its `ready` line. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface Child {
  port: number;
  proc: ChildProcess;
  lines: AsyncIterator<string>;
  stop(): void;
}

export async function startChild(script: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(
    process.execPath,
    [...(process.env.BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "--import", "tsx", script],
    {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${script} exited before it was ready`);
    const ev = JSON.parse(value) as { event: string; port: number };
    if (ev.event === "ready") return { port: ev.port, proc, lines, stop: () => proc.kill("SIGTERM") };
  }
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}
