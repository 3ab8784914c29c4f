/**
 * `pnpm start`, the README's first command, as a process manager uses it: it skips rebuilding an
 * up-to-date web client, prints the address the moment the server listens (before its models are
 * loaded), serves a self-reloading "being built" page while the web client has no build yet, and a
 * SIGTERM sent to pnpm (not to the whole group) stops the server too, leaving nothing listening.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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
  it("skips an up-to-date web build, prints its address at once, says 'being built' until there is one, and SIGTERM to pnpm stops the server", async () => {
    // A web folder with no build in it yet, as while `pnpm start` builds one on a fresh clone.
    const web = mkdtempSync(join(tmpdir(), "fireside-web-"));
    const child = spawn("pnpm", ["start"], {
      cwd: root,
      env: {
        ...process.env,
        ...TEST_ENV,
        FIRESIDE_PORT: "0",
        FIRESIDE_DATA_DIR: mkdtempSync(join(tmpdir(), "fireside-start-")),
        FIRESIDE_WEB_DIR: web,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    const lines: string[] = [];
    let ready = false;
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        lines.push(line);
        if (line.startsWith('{"event":"ready"')) ready = true;
        const address = /^Fireside: http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
        if (address) resolve(Number(address[1]));
      });
      child.on("exit", (code) => reject(new Error(`pnpm start exited with ${code}\n${stderr}`)));
    });
    expect(stderr).toMatch(/web client is up to date/);
    // The address came right after the listening event, before the models were loaded.
    expect(lines.findIndex((l) => l.startsWith('{"event":"listening"'))).toBe(lines.length - 2);
    expect(ready).toBe(false);
    expect(await listening(port)).toBe(true);
    const building = await fetch(`http://127.0.0.1:${port}/`);
    expect(building.status).toBe(503);
    expect(building.headers.get("retry-after")).toBe("2");
    expect(await building.text()).toMatch(/web client is being built[\s\S]*reloads by itself/);
    // The build lands: the same address serves it.
    writeFileSync(join(web, "index.html"), "<!doctype html><title>Fireside</title>");
    const built = await fetch(`http://127.0.0.1:${port}/`);
    expect(built.status).toBe(200);
    expect(await built.text()).toContain("<title>Fireside</title>");
    child.kill("SIGTERM"); // pnpm only, as `kill PID` or a supervisor would
    await pollUntil("the server to stop listening", async () => !(await listening(port)), 30_000, 100);
  }, 120_000);
});
