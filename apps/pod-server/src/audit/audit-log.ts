/**
 * The audit trail: one JSON object per line in `<data dir>/audit.jsonl`, appended and never
 * rewritten — who (client address), what (event), when, with which outcome. It holds no audio and
 * no transcript or voice-name text unless the operator turns that on (FIRESIDE_AUDIT_CONTENT).
 * Past `maxBytes` the file is rotated (audit.1.jsonl … audit.3.jsonl, the oldest dropped), so it
 * cannot fill the volume. Rate-limit hits are folded: one line per address and kind a minute,
 * with the number folded into it, so a flood cannot become a flood of lines.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export const AUDIT_FILE = "audit.jsonl";
const KEPT_ROTATIONS = 3;
const FOLD_MS = 60_000;

export type AuditEventName =
  | "auth.failed"
  | "rate_limited"
  | "socket.refused"
  | "session.opened"
  | "session.closed"
  | "voice.created"
  | "voice.upload_refused"
  | "voice.updated"
  | "voice.deleted"
  | "voice.quality"
  | "dialogue.created"
  | "dialogue.cancelled"
  | "dialogue.deleted"
  | "conversation.renamed"
  | "conversation.deleted"
  | "data.deleted"
  | "retention.deleted";

export interface AuditEntry {
  /** ISO time */
  t: string;
  event: AuditEventName;
  /** Client address (see FIRESIDE_TRUST_PROXY); absent for the server's own actions. */
  address?: string;
  outcome: "ok" | "refused" | "failed";
  [field: string]: unknown;
}

/** Fields that carry people's words; written only with FIRESIDE_AUDIT_CONTENT. */
const CONTENT_FIELDS = new Set(["name", "transcript", "text", "title"]);

export class AuditLog {
  private fd: number;
  private size: number;
  private readonly file: string;
  private readonly folded = new Map<string, { until: number; count: number }>();

  constructor(
    private readonly dir: string,
    private readonly opts: { maxBytes: number; content: boolean },
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, AUDIT_FILE);
    this.fd = openSync(this.file, "a", 0o600);
    this.size = statSync(this.file).size;
  }

  record(event: AuditEventName, outcome: AuditEntry["outcome"], fields: Record<string, unknown> = {}): void {
    const kept = Object.fromEntries(
      Object.entries(fields).filter(([k, v]) => v !== undefined && (this.opts.content || !CONTENT_FIELDS.has(k))),
    );
    this.write({ t: new Date().toISOString(), event, outcome, ...kept });
  }

  /** A refused request: logged at most once a minute per address and kind, with how many were folded in. */
  rateLimited(address: string, kind: string, route: string): void {
    const key = `${address} ${kind}`;
    const now = Date.now();
    const f = this.folded.get(key);
    if (f && now < f.until) {
      f.count++;
      return;
    }
    this.folded.set(key, { until: now + FOLD_MS, count: 0 });
    if (this.folded.size > 10_000) for (const [k, v] of this.folded) if (v.until < now) this.folded.delete(k);
    this.record("rate_limited", "refused", { address, kind, route, ...(f?.count ? { foldedSincePrevious: f.count } : {}) });
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(entry: AuditEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size + bytes > this.opts.maxBytes && this.size > 0) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
  }

  private rotate(): void {
    closeSync(this.fd);
    const rotated = (n: number) => join(this.dir, `audit.${n}.jsonl`);
    rmSync(rotated(KEPT_ROTATIONS), { force: true });
    for (let n = KEPT_ROTATIONS - 1; n >= 1; n--) if (existsSync(rotated(n))) renameSync(rotated(n), rotated(n + 1));
    renameSync(this.file, rotated(1));
    this.fd = openSync(this.file, "a", 0o600);
    this.size = 0;
  }
}

/** Every audit file in time order, oldest first. */
export function auditFiles(dir: string): string[] {
  const files = [];
  for (let n = KEPT_ROTATIONS; n >= 1; n--) files.push(join(dir, `audit.${n}.jsonl`));
  files.push(join(dir, AUDIT_FILE));
  return files.filter((f) => existsSync(f));
}
