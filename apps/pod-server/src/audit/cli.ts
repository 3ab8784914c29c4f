#!/usr/bin/env -S npx tsx
/**
 * `pnpm audit-log [--event PREFIX] [--address ADDR] [--since ISO] [--json] [-n N]`: prints the pod's
 * audit trail (FIRESIDE_DATA_DIR/audit.jsonl and its rotations), oldest first, one event a line.
 */
import { readFileSync } from "node:fs";
import { loadConfig } from "../config/config.js";
import { type AuditEntry, auditFiles } from "./audit-log.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = loadConfig().dataDir;
const event = opt("--event");
const address = opt("--address");
const since = opt("--since");
const last = Number(opt("-n") ?? 0);

let entries: AuditEntry[] = [];
for (const file of auditFiles(dir)) {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // a line cut by a crash mid-write: skip it
    }
  }
}
entries = entries.filter((e) => (!event || e.event.startsWith(event)) && (!address || e.address === address) && (!since || e.t >= since));
if (last > 0) entries = entries.slice(-last);
if (entries.length === 0) process.stderr.write(`no audit entries in ${dir}\n`);
for (const e of entries) {
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify(e)}\n`);
    continue;
  }
  const { t, event: name, address: who, outcome, ...rest } = e;
  const details = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  process.stdout.write(`${t}  ${name.padEnd(22)} ${(who ?? "-").padEnd(16)} ${outcome.padEnd(8)} ${details}\n`);
}
