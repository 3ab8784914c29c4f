#!/usr/bin/env -S npx tsx
/**
 * `pnpm audit-log [--event PREFIX] [--address ADDR] [--since ISO] [--json] [-n N]`: prints the pod's
 * audit trail (FIRESIDE_DATA_DIR/audit.jsonl and its rotations), oldest first, one event a line.
 */
import { readFileSync } from "node:fs";
import { loadConfig } from "../config/config.js";
import { type AuditEntry, auditFiles } from "./audit-log.js";

const USAGE = `pnpm audit-log [--event PREFIX] [--address ADDR] [--since ISO] [-n N] [--json]

Prints the pod's audit trail (FIRESIDE_DATA_DIR/audit.jsonl and its rotations), oldest first:
  --event PREFIX   only events whose name starts with PREFIX (auth, session, voice, data, …)
  --address ADDR   only events from this client address
  --since ISO      only events at or after this time (2026-12-07T10:00:00Z)
  -n N             only the last N events
  --json           one JSON object a line (with pnpm -s: pnpm prints its own banner lines otherwise)
`;
const FLAGS_WITH_VALUE = new Set(["--event", "--address", "--since", "-n"]);
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (FLAGS_WITH_VALUE.has(a)) i++;
  else if (a !== "--json") {
    process.stderr.write(`unknown option ${a}\n\n${USAGE}`);
    process.exit(2);
  }
}
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
