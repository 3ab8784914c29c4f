/** The SQLite database and its migrations. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate, openDatabase } from "../src/store/database.js";

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
});
