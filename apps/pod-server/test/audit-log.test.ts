/** The audit trail as a plain module: what it writes, what it leaves out, folding and rotation. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog, auditFiles } from "../src/audit/audit-log.js";

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("audit log", () => {
  it("writes one JSON line per event, without people's words unless content is on", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    const log = new AuditLog(dir, { maxBytes: 1e6, content: false });
    log.record("voice.created", "ok", { address: "1.2.3.4", voice: "voice_1", name: "Grandma", transcript: "hello there" });
    log.close();
    const [e] = lines(join(dir, "audit.jsonl"));
    expect(e).toMatchObject({ event: "voice.created", outcome: "ok", address: "1.2.3.4", voice: "voice_1" });
    expect(e.name).toBeUndefined();
    expect(e.transcript).toBeUndefined();
    expect(Date.parse(e.t)).toBeGreaterThan(0);

    const withContent = new AuditLog(dir, { maxBytes: 1e6, content: true });
    withContent.record("voice.created", "ok", { voice: "voice_2", name: "Grandma" });
    withContent.close();
    expect(lines(join(dir, "audit.jsonl"))[1]).toMatchObject({ voice: "voice_2", name: "Grandma" });
  });

  it("folds a flood of rate-limit hits into one line per address and kind a minute", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    const log = new AuditLog(dir, { maxBytes: 1e6, content: false });
    for (let i = 0; i < 1000; i++) log.rateLimited("6.6.6.6", "rest", "/health");
    log.rateLimited("7.7.7.7", "rest", "/health");
    log.close();
    const all = lines(join(dir, "audit.jsonl"));
    expect(all.map((e) => e.address)).toEqual(["6.6.6.6", "7.7.7.7"]);
  });

  it("rotates past its size and keeps three older files, oldest first when read", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    const log = new AuditLog(dir, { maxBytes: 4096, content: false });
    for (let i = 0; i < 400; i++) log.record("auth.failed", "refused", { address: "1.1.1.1", route: "/v1/voices", n: i });
    log.close();
    expect(readdirSync(dir).sort()).toEqual(["audit.1.jsonl", "audit.2.jsonl", "audit.3.jsonl", "audit.jsonl"]);
    const files = auditFiles(dir);
    expect(files.at(-1)).toBe(join(dir, "audit.jsonl"));
    const ns = files.flatMap((f) => lines(f).map((e) => e.n as number));
    expect(ns).toEqual([...ns].sort((a, b) => a - b)); // in time order
    expect(ns.at(-1)).toBe(399);
    for (const f of files) expect(readFileSync(f).length).toBeLessThanOrEqual(4096);
  });
});
