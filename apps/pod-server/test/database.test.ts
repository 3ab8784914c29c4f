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
    db.prepare("INSERT INTO preferences (key, value_json, updated_at) VALUES ('k', '1', 'now')").run();
    db.close();
    const again = openDatabase(file);
    expect(migrate(again)).toBe(MIGRATIONS.at(-1)!.version);
    expect(again.prepare("SELECT value_json FROM preferences WHERE key = 'k'").get()).toEqual({ value_json: "1" });
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
