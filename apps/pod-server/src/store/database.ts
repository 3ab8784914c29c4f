/**
 * The pod's embedded database: one SQLite file on the volume (WAL mode), schema changes applied
 * in order by versioned migrations recorded in schema_migrations. Never edit a shipped migration:
 * add the next one.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "voice profiles, sessions, turns, preferences, dialogue jobs",
    sql: `
      CREATE TABLE voice_profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        language TEXT NOT NULL,
        transcript TEXT NOT NULL,
        audio_file TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        source_format TEXT NOT NULL,
        source_sample_rate INTEGER NOT NULL,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        quality_json TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        client TEXT
      );
      CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        response_id TEXT NOT NULL,
        user_text TEXT,
        assistant_text TEXT,
        status TEXT NOT NULL,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE INDEX turns_session ON turns(session_id);
      CREATE TABLE preferences (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE dialogue_jobs (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        script_json TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        result_file TEXT,
        timings_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "conversations and their turns; the never-written sessions, turns and preferences tables dropped",
    sql: `
      DROP TABLE turns;
      DROP TABLE sessions;
      DROP TABLE preferences;
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE conversation_turns (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        played_ms INTEGER,
        voice TEXT,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        UNIQUE (conversation_id, item_id)
      );
      CREATE INDEX conversation_turns_by_conversation ON conversation_turns(conversation_id, seq);
    `,
  },
];

export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // Deleted rows' bytes are overwritten, not merely unlinked from the b-tree (see eraseDeleted).
  db.pragma("secure_delete = ON");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

/**
 * After a deletion: nothing of the deleted rows stays readable on disk. secure_delete zeroes their
 * cells in the database file; the WAL still holds the pages as they were written, so a truncating
 * checkpoint copies the zeroed pages home and empties it.
 */
export function eraseDeleted(db: Db): void {
  db.pragma("wal_checkpoint(TRUNCATE)");
}

export function migrate(db: Db): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  const newest = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  const known = Math.max(0, ...applied);
  if (known > newest) throw new Error(`database schema version ${known} is newer than this server knows (${newest}); upgrade the server`);
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
  return newest;
}
