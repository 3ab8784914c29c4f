/** The alert rules shipped with the pod (runpod/alerts.yml), checked and unit-tested by Prometheus's own promtool. */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runpod = fileURLToPath(new URL("../../../runpod/", import.meta.url));
/** promtool on PATH, or the one scripts/setup.sh unpacked from Debian's prometheus package into .cache/. */
const cached = fileURLToPath(new URL("../../../.cache/promtool/usr/bin/promtool", import.meta.url));
const promtool = spawnSync("promtool", ["--version"]).status === 0 ? "promtool" : existsSync(cached) ? cached : null;
if (!promtool && process.env.CI) throw new Error("promtool is missing in CI: scripts/setup.sh unpacks it into .cache/promtool");
if (!promtool) console.warn("SKIPPED: alert rule checks (no promtool; bash scripts/setup.sh fetches it)");

describe.skipIf(!promtool)("alert rules", () => {
  it("are valid Prometheus rules, nine of them", () => {
    const r = spawnSync(promtool!, ["check", "rules", "alerts.yml"], { cwd: runpod, encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: 9 rules found/);
    expect(r.status).toBe(0);
  });

  it("fire on the series that should raise them, with the words the operator reads", () => {
    const r = spawnSync(promtool!, ["test", "rules", "alerts.test.yml"], { cwd: runpod, encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });
});
