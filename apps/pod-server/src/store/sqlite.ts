/**
 * The embedded backend: one SQLite file on the volume (WAL mode). better-sqlite3 is synchronous, so
 * each statement completes before its promise is handed back; a transaction holds the connection
 * until it ends, and statements from elsewhere wait for it rather than landing inside it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SQLITE_MIGRATIONS } from "./migrations.js";
import { checkSchemaVersion, type Migration, type Sql } from "./sql.js";

type Statement = Database.Statement<unknown[]>;

class SqliteHandle implements Sql {
  readonly dialect = "sqlite" as const;
  constructor(
    readonly db: Database.Database,
    /** Shared with the handles of its transactions: preparing a statement anew per transaction was a twentieth of a busy pod's time. */
    protected readonly statements = new Map<string, Statement>(),
  ) {}

  protected prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.prepare(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.prepare(sql).run(...params).changes;
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this); // already inside one
  }

  /**
   * secure_delete zeroes the deleted rows' cells in the database file; the WAL still holds the
   * pages as they were written, so a truncating checkpoint copies the zeroed pages home and empties it.
   */
  async eraseDeleted(): Promise<void> {
    this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.db.close();
  }
}

export class SqliteSql extends SqliteHandle {
  /** The transaction in progress; statements outside it wait until it ends. */
  private busy: Promise<unknown> | null = null;

  // Each wait is a loop checked right before the statement, with no await between: a transaction
  // that began while this one waited is waited for too.
  override async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    while (this.busy) await this.busy.catch(() => {});
    return super.all<T>(sql, params);
  }

  override async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    while (this.busy) await this.busy.catch(() => {});
    return super.get<T>(sql, params);
  }

  override async run(sql: string, params: unknown[] = []): Promise<number> {
    while (this.busy) await this.busy.catch(() => {});
    return super.run(sql, params);
  }

  override async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.busy) await this.busy.catch(() => {});
    const inside = new SqliteHandle(this.db, this.statements);
    const work = (async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(inside);
        this.db.exec("COMMIT");
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    })();
    this.busy = work;
    try {
      return await work;
    } finally {
      if (this.busy === work) this.busy = null;
    }
  }
}

export function openSqlite(file: string): SqliteSql {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed turn still outlives
  // the process (killed, crashed); only a power cut can take the last ones. FULL's fsync per
  // commit stalled the event loop that paces every session's audio.
  db.pragma("synchronous = NORMAL");
  // Deleted rows' bytes are overwritten, not merely unlinked from the b-tree (see eraseDeleted).
  db.pragma("secure_delete = ON");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  try {
    migrateSqlite(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteSql(db);
}

/** Applies the migrations `db` lacks; returns the schema version it is at. */
export function migrateSqlite(db: Database.Database, migrations: Migration[] = SQLITE_MIGRATIONS): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const applied = (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version);
  checkSchemaVersion(applied, migrations);
  for (const m of migrations) {
    if (applied.includes(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
  return Math.max(0, ...migrations.map((m) => m.version));
}
