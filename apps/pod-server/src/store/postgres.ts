/**
 * The shared backend: PostgreSQL (FIRESIDE_DATABASE_URL), which every pod of a fleet uses at once.
 * Statements arrive with `?` placeholders and are numbered here. A database that cannot be reached
 * is E_STORAGE_UNAVAILABLE to the caller, never a crash; the pool reconnects on its own when it is back.
 */
import { ProtocolError } from "@fireside/protocol";
import pg from "pg";
import { POSTGRES_MIGRATIONS } from "./migrations.js";
import { checkSchemaVersion, type Migration, type Sql } from "./sql.js";

const numbered = new Map<string, string>();
function placeholders(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

/** SQLSTATE classes and socket errors that mean "the database is not there", not "the statement is wrong". */
function unreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"].includes(code)) return true;
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03") return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

function translate(err: unknown): unknown {
  if (!unreachable(err)) return err;
  return new ProtocolError("E_STORAGE_UNAVAILABLE", "the pod's database cannot be reached: nothing was read or stored; try again shortly");
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

class PostgresHandle implements Sql {
  readonly dialect = "postgres" as const;

  constructor(protected readonly on: Queryable) {}

  protected async query(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.on.query(placeholders(sql), params);
    } catch (err) {
      throw translate(err);
    }
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this); // already inside one
  }

  /**
   * Deleted rows leave every query at once; their bytes stay in the table's pages until
   * autovacuum reuses them (docs/operations.md says how an operator erases them sooner).
   */
  async eraseDeleted(): Promise<void> {}

  async ping(): Promise<void> {
    await this.query("SELECT 1", []);
  }

  async close(): Promise<void> {}
}

export class PostgresSql extends PostgresHandle {
  /** The schema brought up to date, once per process; tried again after a failure (the database was down). */
  private migration: Promise<void> | null = null;

  constructor(private readonly pool: pg.Pool) {
    super(pool);
  }

  /** Resolves once the schema is current; rejects (E_STORAGE_UNAVAILABLE, or the migration's error) otherwise. */
  migrated(): Promise<void> {
    if (!this.migration) {
      this.migration = migratePostgres(this.pool).then(
        () => {},
        (err) => {
          this.migration = null;
          throw translate(err);
        },
      );
    }
    return this.migration;
  }

  protected override async query(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    await this.migrated();
    return super.query(sql, params);
  }

  override transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.migrated().then(() => inTransaction(this.pool, (client) => fn(new PostgresHandle(client))));
  }

  override async close(): Promise<void> {
    await this.pool.end();
  }
}

async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw translate(err);
  }
  let broken = false;
  try {
    await client.query("BEGIN");
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    broken = unreachable(err);
    if (!broken) await client.query("ROLLBACK").catch(() => {});
    throw translate(err);
  } finally {
    client.release(broken);
  }
}

/**
 * The pool connects on first use, so a pod starts (and says so in /ready) while the database is
 * down. `onIdleError`: a pooled connection dropped while idle (a database restart); never fatal.
 */
export function openPostgres(url: string, onIdleError: (err: Error) => void): PostgresSql {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 });
  pool.on("error", onIdleError);
  return new PostgresSql(pool);
}

/** Pods starting together migrate one at a time: an advisory lock is held for the migration's transaction. */
export async function migratePostgres(pool: pg.Pool, migrations: Migration[] = POSTGRES_MIGRATIONS): Promise<number> {
  await inTransaction(pool, async (client) => {
    const tx = new PostgresHandle(client);
    await tx.get("SELECT pg_advisory_xact_lock(740218)");
    await tx.run(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const applied = (await tx.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version);
    checkSchemaVersion(applied, migrations);
    for (const m of migrations) {
      if (applied.includes(m.version)) continue;
      await tx.run(m.sql);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
  });
  return Math.max(0, ...migrations.map((m) => m.version));
}
