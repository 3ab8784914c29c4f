/**
 * Where the pod keeps what users own: SQLite and files on the volume by default, or PostgreSQL for
 * everything (rows and audio) when FIRESIDE_DATABASE_URL names one, so that many pods share it.
 */
import { join } from "node:path";
import { type Blobs, FileBlobs, SqlBlobs } from "./blobs.js";
import { openPostgres } from "./postgres.js";
import type { Sql } from "./sql.js";
import { openSqlite } from "./sqlite.js";

export interface Storage {
  readonly sql: Sql;
  /** Voice reference clips. */
  readonly voiceAudio: Blobs;
  /** Rendered dialogues. */
  readonly dialogueAudio: Blobs;
}

export function openStorage(config: { dataDir: string; databaseUrl: string }, onIdleError: (err: Error) => void): Storage {
  if (config.databaseUrl) {
    const sql = openPostgres(config.databaseUrl, onIdleError);
    const blobs = new SqlBlobs(sql);
    return { sql, voiceAudio: blobs, dialogueAudio: blobs };
  }
  return {
    sql: openSqlite(join(config.dataDir, "fireside.db")),
    voiceAudio: new FileBlobs(join(config.dataDir, "voices")),
    dialogueAudio: new FileBlobs(join(config.dataDir, "dialogues")),
  };
}
