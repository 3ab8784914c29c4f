/** The main process's settings store. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type SecretBox, SettingsStore } from "../src/main/settings-store.js";
import { DEFAULT_SETTINGS } from "../src/shared/settings.js";

/** Stands in for Electron's safeStorage (a test double): reversible, visibly not plain text. */
const fakeBox = (available = true): SecretBox => ({
  isEncryptionAvailable: () => available,
  encryptString: (s) => Buffer.from(`enc:${[...s].reverse().join("")}`),
  decryptString: (b) => [...b.toString().slice(4)].reverse().join(""),
});

const tmpFile = () => join(mkdtempSync(join(tmpdir(), "fireside-settings-")), "settings.json");

describe("settings store (main process)", () => {
  it("starts from defaults and persists validated updates", () => {
    const file = tmpFile();
    const store = new SettingsStore(file, fakeBox());
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    store.update({ podUrl: "wss://pod.example/v1/realtime", minSilenceMs: 900 });
    expect(new SettingsStore(file, fakeBox()).settings).toMatchObject({ podUrl: "wss://pod.example/v1/realtime", minSilenceMs: 900 });
  });

  it("refuses invalid values and unknown keys without changing anything", () => {
    const file = tmpFile();
    const store = new SettingsStore(file, fakeBox());
    expect(() => store.update({ podUrl: "http://not-a-socket" })).toThrow(/ws/);
    expect(() => store.update({ minSilenceMs: 5 })).toThrow();
    expect(() => store.update({ nodeIntegration: true })).toThrow();
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
  });

  it("stores the token encrypted, never in clear", () => {
    const file = tmpFile();
    const store = new SettingsStore(file, fakeBox());
    expect(store.setToken("s3cret-token")).toEqual({ persisted: true });
    expect(readFileSync(file, "utf8")).not.toContain("s3cret-token");
    expect(new SettingsStore(file, fakeBox()).token).toBe("s3cret-token");
  });

  it("without a keychain keeps the token in memory only", () => {
    const file = tmpFile();
    const store = new SettingsStore(file, fakeBox(false));
    expect(store.setToken("s3cret-token")).toEqual({ persisted: false });
    expect(store.token).toBe("s3cret-token");
    expect(readFileSync(file, "utf8")).not.toContain("s3cret");
    expect(new SettingsStore(file, fakeBox(false)).token).toBe("");
  });

  it("survives a corrupt settings file", () => {
    const file = tmpFile();
    writeFileSync(file, "{ not json");
    expect(new SettingsStore(file, fakeBox()).settings).toEqual(DEFAULT_SETTINGS);
  });
});
