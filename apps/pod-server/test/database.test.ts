/** The SQLite database and its migrations. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConversationStore } from "../src/store/conversations.js";
import { MIGRATIONS, migrate, openDatabase } from "../src/store/database.js";

/** Files under `dir` whose bytes contain `text`. */
const filesHolding = (dir: string, text: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && readFileSync(join(e.parentPath, e.name)).includes(text))
    .map((e) => e.name);

describe("database", () => {
  it("applies migrations once, records them, and survives reopening", () => {
    const file = join(mkdtempSync(join(tmpdir(), "db-")), "f.db");
    const db = openDatabase(file);
    const versions = db.prepare("SELECT version FROM schema_migrations").all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'kept', 'now', 'now')").run();
    db.close();
    const again = openDatabase(file);
    expect(migrate(again)).toBe(MIGRATIONS.at(-1)!.version);
    expect(again.prepare("SELECT title FROM conversations WHERE id = 'c'").get()).toEqual({ title: "kept" });
    again.close();
  });
  it("refuses a database written by a newer server", () => {
    const file = join(mkdtempSync(join(tmpdir(), "db-")), "f.db");
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')").run();
    expect(() => migrate(db)).toThrow(/newer than this server/);
    db.close();
  });
  it("a deleted conversation's words are in no file under the data directory, the WAL included", () => {
    const dir = mkdtempSync(join(tmpdir(), "db-"));
    const db = openDatabase(join(dir, "fireside.db"));
    const store = new ConversationStore(db);
    const id = store.create();
    store.saveTurn(id, { itemId: "item_1", role: "user", text: "my secret is periwinkle giraffe", status: "typed", metrics: {} });
    store.saveTurn(id, { itemId: "resp_1", role: "assistant", text: "noted, periwinkle giraffe", status: "completed", metrics: {} });
    const kept = store.create();
    store.saveTurn(kept, { itemId: "item_2", role: "user", text: "keep this marmalade", status: "typed", metrics: {} });
    expect(filesHolding(dir, "periwinkle giraffe").length).toBeGreaterThan(0);
    store.delete(id);
    expect(filesHolding(dir, "periwinkle giraffe")).toEqual([]);
    // What was not deleted is still there, and the database still works.
    expect(store.get(kept).history.map((t) => t.text)).toEqual(["keep this marmalade"]);
    db.close();
  });
});
