/**
 * Schema changes for each backend, applied in order and recorded in schema_migrations. Never edit a
 * shipped migration: add the next one, to both lists when both backends change.
 */
import type { Migration } from "./sql.js";

export const SQLITE_MIGRATIONS: Migration[] = [
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

/**
 * PostgreSQL starts at SQLite's current shape, plus `blobs`: the reference clips and rendered
 * dialogues that SQLite's pods keep as files on their own volume live here, so every pod reads them.
 */
export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "voice profiles, dialogue jobs, conversations and their turns, blobs",
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
      CREATE TABLE dialogue_jobs (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        script_json TEXT NOT NULL,
        progress DOUBLE PRECISION NOT NULL DEFAULT 0,
        result_file TEXT,
        timings_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE conversation_turns (
        seq BIGSERIAL PRIMARY KEY,
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
      CREATE TABLE blobs (
        key TEXT PRIMARY KEY,
        bytes BYTEA NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
];
