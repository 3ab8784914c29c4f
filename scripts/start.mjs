#!/usr/bin/env node
// `pnpm start`: runs the pod server and, when the desktop renderer's sources changed since the last
// build, builds it (the pod's web client) meanwhile; the server prints its address at once and its
// page says "being built" until the build lands. Signals reach the server: SIGINT/SIGTERM/SIGHUP sent to
// this process are passed on, and because pnpm does not pass them on to its script, this process
// also stops the server when pnpm itself is killed (it notices that its parent is gone).
// `--no-build` skips the web client (the pod-server package's own `start`).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const noBuild = args.includes("--no-build");
const serverArgs = args.filter((a) => a !== "--no-build" && a !== "--");

/** Newest modification time of the files under `dir` (skipping node_modules and build output). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "out" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The web client is rebuilt (in the background, while the server starts) when its sources changed. */
let building = null;
if (!noBuild && !serverArgs.includes("--help") && !serverArgs.includes("-h")) {
  const built = join(root, "apps/desktop/out/renderer/index.html");
  const sources = Math.max(...["apps/desktop", "packages/protocol/src", "packages/audio/src"].map((d) => newest(join(root, d))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) {
    console.error("web client is up to date (apps/desktop/out/renderer); not rebuilding");
  } else {
    console.error("building the web client while the server starts; its page says so until it is ready");
    building = spawn("pnpm", ["--filter", "@fireside/desktop", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    building.on("exit", (code) => {
      building = null;
      if (code === 0) console.error("web client built");
      else console.error(`the web client did not build (exit ${code}); the server runs on, its page says it is not built`);
    });
  }
}

const server = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...serverArgs], {
  cwd: join(root, "apps/pod-server"),
  stdio: ["inherit", "pipe", "inherit"],
});
// Its stdout passes through as it is; the moment it listens, a person is told where (before the
// models load: the page shows their progress).
createInterface({ input: server.stdout }).on("line", (line) => {
  process.stdout.write(`${line}\n`);
  if (!line.startsWith('{"event":"listening"')) return;
  try {
    const { port, host } = JSON.parse(line);
    const shown = !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    process.stdout.write(`Fireside: http://${shown}:${port}/ (the page shows the models' loading, then the app)\n`);
  } catch {
    // not the event line after all
  }
});
const stop = (sig) => {
  building?.kill(sig);
  server.kill(sig);
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(sig));
server.on("exit", (code, signal) => {
  building?.kill("SIGTERM");
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1));
});
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop("SIGTERM");
}, 500).unref();
