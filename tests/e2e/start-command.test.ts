/**
 * `pnpm start`, the README's first command, as a process manager uses it: it skips rebuilding an
 * up-to-date web client, and a SIGTERM sent to pnpm (not to the whole group) stops the server too,
 * leaving nothing listening.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TEST_ENV } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });

describe("pnpm start", () => {
  it("skips an up-to-date web build, and SIGTERM to pnpm stops the server", async () => {
    const child = spawn("pnpm", ["start"], {
      cwd: root,
      env: { ...process.env, ...TEST_ENV, FIRESIDE_PORT: "0", FIRESIDE_DATA_DIR: mkdtempSync(join(tmpdir(), "fireside-start-")) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith('{"event":"listening"')) resolve(JSON.parse(line).port);
      });
      child.on("exit", (code) => reject(new Error(`pnpm start exited with ${code}\n${stderr}`)));
    });
    expect(stderr).toMatch(/web client is up to date/);
    expect(await listening(port)).toBe(true);
    child.kill("SIGTERM"); // pnpm only, as `kill PID` or a supervisor would
    await pollUntil("the server to stop listening", async () => !(await listening(port)), 30_000, 100);
  }, 120_000);
});
