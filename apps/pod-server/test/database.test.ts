/** The SQLite database and its migrations. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConversationStore } from "../src/store/conversations.js";
import { SQLITE_MIGRATIONS as MIGRATIONS } from "../src/store/migrations.js";
import { migrateSqlite as migrate, openSqlite } from "../src/store/sqlite.js";

/** Files under `dir` whose bytes contain `text`. */
const filesHolding = (dir: string, text: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && readFileSync(join(e.parentPath, e.name)).includes(text))
    .map((e) => e.name);

describe("database", () => {
  it("applies migrations once, records them, and survives reopening", () => {
    const file = join(mkdtempSync(join(tmpdir(), "db-")), "f.db");
    const { db } = openSqlite(file);
    const versions = db.prepare("SELECT version FROM schema_migrations").all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'kept', 'now', 'now')").run();
    db.close();
    const { db: again } = openSqlite(file);
    expect(migrate(again)).toBe(MIGRATIONS.at(-1)!.version);
    expect(again.prepare("SELECT title FROM conversations WHERE id = 'c'").get()).toEqual({ title: "kept" });
    again.close();
  });
  it("refuses a database written by a newer server", () => {
    const file = join(mkdtempSync(join(tmpdir(), "db-")), "f.db");
    const { db } = openSqlite(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')").run();
    expect(() => migrate(db)).toThrow(/newer than this server/);
    db.close();
  });
  it("a deleted conversation's words are in no file under the data directory, the WAL included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "db-"));
    const sql = openSqlite(join(dir, "fireside.db"));
    const store = new ConversationStore(sql);
    const id = await store.create();
    await store.saveTurn(id, { itemId: "item_1", role: "user", text: "my secret is periwinkle giraffe", status: "typed", metrics: {} });
    await store.saveTurn(id, { itemId: "resp_1", role: "assistant", text: "noted, periwinkle giraffe", status: "completed", metrics: {} });
    const kept = await store.create();
    await store.saveTurn(kept, { itemId: "item_2", role: "user", text: "keep this marmalade", status: "typed", metrics: {} });
    expect(filesHolding(dir, "periwinkle giraffe").length).toBeGreaterThan(0);
    await store.delete(id);
    expect(filesHolding(dir, "periwinkle giraffe")).toEqual([]);
    // What was not deleted is still there, and the database still works.
    expect((await store.get(kept)).history.map((t) => t.text)).toEqual(["keep this marmalade"]);
    await sql.close();
  });
});
