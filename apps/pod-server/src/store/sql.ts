/**
 * The one interface the pod's stores talk to, with two backends: SQLite on the volume (the embedded
 * default, nothing to install) and PostgreSQL (FIRESIDE_DATABASE_URL), which many pods share.
 * Statements are written once, with `?` placeholders, in the SQL both dialects accept.
 */
export interface Sql {
  readonly dialect: "sqlite" | "postgres";
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** `fn`'s statements commit together or not at all; `tx` is the only handle to use inside. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** After a deletion: nothing of the deleted rows stays readable in the backend's files. */
  eraseDeleted(): Promise<void>;
  /** Resolves when the database answers; throws E_STORAGE_UNAVAILABLE when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The newest version `applied` may hold, or an error when it was written by a newer server. */
export function checkSchemaVersion(applied: number[], migrations: Migration[]): void {
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const known = Math.max(0, ...applied);
  if (known > newest) throw new Error(`database schema version ${known} is newer than this server knows (${newest}); upgrade the server`);
}
