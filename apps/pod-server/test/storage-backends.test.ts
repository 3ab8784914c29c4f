/**
 * The two storage backends behind one interface, with the same assertions: SQLite with files (the
 * embedded default) and a real PostgreSQL started here (a fleet's), which also keeps the audio.
 * PostgreSQL stopped mid-use: typed errors meanwhile, no crash, and service back once it returns.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { voicedToneClip } from "../../../tests/support/clips.js";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import { missingServices, type Service, startPostgres } from "../../../tests/support/services.js";
import { ConversationStore } from "../src/store/conversations.js";
import { openStorage, type Storage } from "../src/store/storage.js";
import { DialogueJobs } from "../src/studio/dialogue-jobs.js";
import { LocalDialogueQueue, PgBossDialogueQueue } from "../src/studio/dialogue-queue.js";
import { VoiceProfiles } from "../src/studio/voice-profiles.js";

const missing = missingServices();
if (missing && process.env.CI) throw new Error(`CI must run the PostgreSQL backend's tests: ${missing}`);

let postgres: Service | null = null;
beforeAll(async () => {
  if (!missing) postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

const backends: [string, () => Storage][] = [
  ["SQLite", () => openStorage({ dataDir: mkdtempSync(join(tmpdir(), "storage-")), databaseUrl: "" }, () => {})],
  ["PostgreSQL", () => openStorage({ dataDir: mkdtempSync(join(tmpdir(), "storage-")), databaseUrl: postgres!.url }, () => {})],
];

describe.each(backends)("storage on %s", (name, open) => {
  const skip = name === "PostgreSQL" && !!missing;

  it.skipIf(skip)("keeps conversations, voices with their clip, and dialogues with their audio; deletes them for good", async () => {
    const storage = open();
    try {
      const conversations = new ConversationStore(storage.sql);
      const id = await conversations.create();
      await conversations.saveTurn(id, { itemId: "item_1", role: "user", text: "Where is the kettle?", status: "spoken", metrics: {} });
      await conversations.saveTurn(id, { itemId: "resp_1", role: "assistant", text: "On the stove.", status: "completed", metrics: {} });
      // The same reply cut later replaces its first version.
      await conversations.saveTurn(id, {
        itemId: "resp_1",
        role: "assistant",
        text: "On the",
        status: "interrupted",
        playedMs: 400,
        metrics: {},
      });
      expect(await conversations.messages(id)).toEqual([
        { role: "user", content: "Where is the kettle?" },
        { role: "assistant", content: "On the" },
      ]);
      expect((await conversations.list()).find((c) => c.id === id)).toMatchObject({ title: "Where is the kettle?", turns: 2 });
      expect((await conversations.rename(id, "Kitchen")).title).toBe("Kitchen");

      const profiles = new VoiceProfiles(storage.sql, storage.voiceAudio);
      const bytes = voicedToneClip();
      const voice = await profiles.create({ bytes, name: "Ada", language: "en", transcript: "Hello there." });
      expect((await profiles.list()).map((p) => p.id)).toContain(voice.id);
      expect((await profiles.audio(voice.id)).length).toBe(bytes.length);
      expect(await profiles.withAudioFile(voice.id, async (path) => path.endsWith(".wav"))).toBe(true);

      const tts = createInstantEngines({ replySeconds: 1 }).tts;
      // The fleet's queue (pg-boss) with PostgreSQL; the rows themselves with SQLite.
      const queue = name === "PostgreSQL" ? new PgBossDialogueQueue(postgres!.url, () => {}) : new LocalDialogueQueue(storage.sql);
      const jobs = new DialogueJobs({
        sql: storage.sql,
        blobs: storage.dialogueAudio,
        tts: () => tts,
        voiceExists: async () => true,
        queue,
      });
      const job = await jobs.submit({ lines: [{ speaker: "S1", text: "Hello." }], voices: { S1: voice.id }, language: "en" });
      const done = new Promise<void>((resolve) => jobs.subscribe((e) => e.type === "dialogue.job" && e.job.status === "done" && resolve()));
      await jobs.start();
      await done;
      expect((await jobs.timings(job.id)).map((l) => l.text)).toEqual(["Hello."]);
      expect((await jobs.result(job.id)).length).toBeGreaterThan(44);

      await jobs.delete(job.id);
      await profiles.delete(voice.id);
      await conversations.delete(id);
      await expect(jobs.result(job.id)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await expect(profiles.audio(voice.id)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await expect(conversations.get(id)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      // The clip and the render are gone from the blob store too, not merely unlisted.
      expect(await storage.voiceAudio.get(`${voice.id}.wav`)).toBeNull();
      expect(await storage.dialogueAudio.get(`${job.id}.wav`)).toBeNull();
      await jobs.stop();
    } finally {
      await storage.sql.close();
    }
  });
});

describe.skipIf(!!missing)("PostgreSQL shared by many pods", () => {
  it("pods starting at once migrate once; each sees what another stored", async () => {
    const pods = [0, 1, 2].map(() =>
      openStorage({ dataDir: mkdtempSync(join(tmpdir(), "storage-")), databaseUrl: postgres!.url }, () => {}),
    );
    try {
      await Promise.all(pods.map((p) => p.sql.ping()));
      const versions = await pods[0]!.sql.all<{ version: number }>("SELECT version FROM schema_migrations");
      expect(versions).toEqual([{ version: 1 }]);
      const a = new VoiceProfiles(pods[0]!.sql, pods[0]!.voiceAudio);
      const b = new VoiceProfiles(pods[1]!.sql, pods[1]!.voiceAudio);
      const voice = await a.create({ bytes: voicedToneClip(), name: "Shared", language: "en", transcript: "Hi." });
      expect((await b.get(voice.id)).name).toBe("Shared");
      expect((await b.audio(voice.id)).length).toBe((await a.audio(voice.id)).length);
      await b.delete(voice.id);
      await expect(a.get(voice.id)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    } finally {
      for (const p of pods) await p.sql.close();
    }
  });

  it("a database that goes away is E_STORAGE_UNAVAILABLE, then serves again by itself when it is back", async () => {
    const errors: Error[] = [];
    const storage = openStorage({ dataDir: mkdtempSync(join(tmpdir(), "storage-")), databaseUrl: postgres!.url }, (e) => errors.push(e));
    const conversations = new ConversationStore(storage.sql);
    try {
      const id = await conversations.create();
      await postgres!.stop();
      await expect(
        conversations.saveTurn(id, { itemId: "i", role: "user", text: "lost?", status: "typed", metrics: {} }),
      ).rejects.toMatchObject({
        code: "E_STORAGE_UNAVAILABLE",
        retryable: true,
      });
      await expect(conversations.list()).rejects.toMatchObject({ code: "E_STORAGE_UNAVAILABLE" });
      await expect(storage.sql.ping()).rejects.toMatchObject({ code: "E_STORAGE_UNAVAILABLE" });
      await postgres!.start();
      await conversations.saveTurn(id, { itemId: "i", role: "user", text: "kept", status: "typed", metrics: {} });
      expect(await conversations.messages(id)).toEqual([{ role: "user", content: "kept" }]);
    } finally {
      await storage.sql.close();
    }
  });
});
