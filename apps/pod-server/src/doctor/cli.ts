#!/usr/bin/env -S npx tsx
/**
 * `pnpm doctor [--no-engines]`: checks this machine and configuration for running the pod — GPU,
 * models, port, disk, data directory, database, engines — and says what to fix, in plain words.
 * Exits 1 when anything fails.
 */
import { ConfigError, loadConfig } from "../config/config.js";
import { checkDatabase, checkDataDir, checkGpu, checkModels, checkPort, type Finding } from "./checks.js";
import { checkEngines } from "./engine-checks.js";

const MARK: Record<Finding["status"], string> = { ok: "ok  ", info: "info", warn: "WARN", fail: "FAIL" };

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stdout.write(`FAIL configuration: ${err.message}\n     fix: correct that setting (pnpm start -- --help lists them all)\n`);
  process.exit(1);
}

const print = (f: Finding) => {
  process.stdout.write(`${MARK[f.status]} ${f.check}: ${f.detail}\n`);
  if (f.fix && f.status !== "ok") process.stdout.write(`     fix: ${f.fix}\n`);
};

const findings: Finding[] = [];
const report = (fs: Finding[]) => {
  for (const f of fs) print(f);
  findings.push(...fs);
};
report([await checkGpu(config)]);
const models = await checkModels(config);
report(models);
report([await checkPort(config), ...checkDataDir(config), checkDatabase(config)]);
if (process.argv.includes("--no-engines")) process.stdout.write("info engines: not loaded (--no-engines)\n");
else if (models.some((m) => m.status === "fail")) process.stdout.write("info engines: not loaded until the models above are there\n");
else report(await checkEngines(config));

const failed = findings.filter((f) => f.status === "fail");
const warned = findings.filter((f) => f.status === "warn");
process.stdout.write(
  failed.length
    ? `\n${failed.length} problem${failed.length > 1 ? "s" : ""} to fix: ${failed.map((f) => f.check).join(", ")}\n`
    : `\nReady to run${warned.length ? `, with ${warned.length} warning${warned.length > 1 ? "s" : ""}` : ""}.\n`,
);
process.exit(failed.length ? 1 : 0);
