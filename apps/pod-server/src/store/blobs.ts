/**
 * Audio a user owns (voice reference clips, rendered dialogues), by key. A SQLite pod keeps them as
 * files on its volume; a PostgreSQL fleet keeps them in the database, so every pod reads what any
 * pod wrote and nothing depends on a shared disk.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sql } from "./sql.js";

export interface Blobs {
  /** All or nothing: a write cut short (a full disk) leaves nothing under `key`. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
  /** Runs `fn` with the blob as a file (engines load clips by path), gone again afterwards unless it lives on disk anyway. */
  withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T>;
}

/** Keys are the stores' own ids plus an extension, never a client's text; this keeps it so. */
function checkKey(key: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith(".")) throw new Error(`not a blob key: ${key}`);
  return key;
}

export class FileBlobs implements Blobs {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // A write cut short (a full disk, a crash) before it was renamed into place is no blob.
    for (const f of readdirSync(dir)) if (f.endsWith(".part")) rmSync(join(dir, f), { force: true });
  }

  path(key: string): string {
    return join(this.dir, checkKey(key));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const tmp = join(this.dir, `.${checkKey(key)}.part`);
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, this.path(key));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const p = this.path(key);
    return existsSync(p) ? readFileSync(p) : null;
  }

  async delete(key: string): Promise<void> {
    rmSync(this.path(key), { force: true });
  }

  withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T> {
    return fn(this.path(key));
  }
}

export class SqlBlobs implements Blobs {
  constructor(private readonly sql: Sql) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.sql.run(
      "INSERT INTO blobs (key, bytes, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes",
      [checkKey(key), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), new Date().toISOString()],
    );
  }

  async get(key: string): Promise<Uint8Array | null> {
    const row = await this.sql.get<{ bytes: Buffer }>("SELECT bytes FROM blobs WHERE key = ?", [checkKey(key)]);
    return row ? new Uint8Array(row.bytes) : null;
  }

  async delete(key: string): Promise<void> {
    await this.sql.run("DELETE FROM blobs WHERE key = ?", [checkKey(key)]);
  }

  /** The file is private to this call and removed after it, so a voice deleted on another pod leaves no copy here. */
  async withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T> {
    const bytes = await this.get(key);
    if (!bytes) throw new Error(`no blob ${key}`);
    const dir = join(tmpdir(), `fireside-blob-${randomUUID()}`);
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, checkKey(key));
    try {
      writeFileSync(path, bytes, { mode: 0o600 });
      return await fn(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
