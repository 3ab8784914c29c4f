/** FIRESIDE_RETENTION_DAYS on a real database file: old profiles and finished dialogues go, with their files. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog, auditFiles } from "../src/audit/audit-log.js";
import { FileBlobs } from "../src/store/blobs.js";
import { ConversationStore } from "../src/store/conversations.js";
import { openSqlite } from "../src/store/sqlite.js";
import { DialogueJobs } from "../src/studio/dialogue-jobs.js";
import { LocalDialogueQueue } from "../src/studio/dialogue-queue.js";
import { sweepExpired } from "../src/studio/retention.js";
import { VoiceProfiles } from "../src/studio/voice-profiles.js";

const DAY = 86_400_000;

describe("retention", () => {
  it("deletes voice profiles, finished dialogues and conversations unchanged for N days, keeps newer ones and running jobs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "retention-"));
    const sql = openSqlite(join(dir, "fireside.db"));
    const { db } = sql;
    const profiles = new VoiceProfiles(sql, new FileBlobs(join(dir, "voices")));
    const jobs = new DialogueJobs({
      sql,
      blobs: new FileBlobs(join(dir, "dialogues")),
      tts: () => null,
      voiceExists: async () => true,
      queue: new LocalDialogueQueue(sql),
    });
    const audit = new AuditLog(dir, { maxBytes: 1e6, content: false });
    const now = Date.parse("2026-11-26T12:00:00Z");
    const iso = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    const addProfile = (id: string, daysAgo: number) => {
      writeFileSync(join(dir, "voices", `${id}.wav`), "x");
      db.prepare(
        "INSERT INTO voice_profiles (id, name, language, transcript, audio_file, duration_ms, source_format, source_sample_rate, created_at, updated_at) VALUES (?, 'n', 'en', 't', ?, 1, 'wav', 16000, ?, ?)",
      ).run(id, `${id}.wav`, iso(daysAgo), iso(daysAgo));
    };
    const addJob = (id: string, status: string, daysAgo: number) =>
      db
        .prepare("INSERT INTO dialogue_jobs (id, status, script_json, progress, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)")
        .run(
          id,
          status,
          JSON.stringify({ lines: [{ speaker: "S1", text: "Hi." }], voices: { S1: "v" }, language: "en" }),
          iso(daysAgo),
          iso(daysAgo),
        );
    addProfile("voice_old", 40);
    addProfile("voice_new", 5);
    addJob("job_old", "done", 40);
    addJob("job_old_queued", "queued", 40);
    addJob("job_new", "failed", 5);

    const conversations = new ConversationStore(sql);
    const addConversation = (id: string, daysAgo: number) =>
      db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, 't', ?, ?)").run(id, iso(daysAgo), iso(daysAgo));
    addConversation("conv_old", 40);
    addConversation("conv_new", 5);
    const kept = { profiles, jobs, conversations };
    expect(await sweepExpired(kept, 0, audit, now)).toEqual({ voices: 0, dialogues: 0, conversations: 0 });
    expect(await sweepExpired(kept, 30, audit, now)).toEqual({ voices: 1, dialogues: 1, conversations: 1 });
    expect(await conversations.allIds()).toEqual(["conv_new"]);
    expect((await profiles.list()).map((p) => p.id)).toEqual(["voice_new"]);
    expect((await jobs.list()).map((j) => j.id).sort()).toEqual(["job_new", "job_old_queued"]);
    expect(readdirSync(join(dir, "voices"))).toEqual(["voice_new.wav"]);
    audit.close();
    expect(existsSync(auditFiles(dir)[0]!)).toBe(true);
    db.close();
  });
});
