#!/usr/bin/env node
// `pnpm start`: builds the desktop renderer (the pod's web client) when its sources changed since
// the last build, then runs the pod server. Signals reach the server: SIGINT/SIGTERM/SIGHUP sent to
// this process are passed on, and because pnpm does not pass them on to its script, this process
// also stops the server when pnpm itself is killed (it notices that its parent is gone).
// `--no-build` skips the web client (the pod-server package's own `start`).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
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

if (!noBuild && !serverArgs.includes("--help") && !serverArgs.includes("-h")) {
  const built = join(root, "apps/desktop/out/renderer/index.html");
  const sources = Math.max(...["apps/desktop", "packages/protocol/src", "packages/audio/src"].map((d) => newest(join(root, d))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) {
    console.error("web client is up to date (apps/desktop/out/renderer); not rebuilding");
  } else {
    const build = spawnSync("pnpm", ["--filter", "@fireside/desktop", "build"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
}

const server = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...serverArgs], {
  cwd: join(root, "apps/pod-server"),
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1)));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) server.kill("SIGTERM");
}, 500).unref();
