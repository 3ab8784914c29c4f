/**
 * Settings in a JSON file under the app's userData folder. The pod token is encrypted with the
 * OS keychain (Electron safeStorage) and never written in clear; without a keychain it lives in
 * memory for the session only.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DEFAULT_SETTINGS, type Settings, settingsPatchSchema, settingsSchema } from "../shared/settings.js";

export interface SecretBox {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

interface FileShape {
  settings: Settings;
  /** base64 of safeStorage ciphertext */
  token?: string;
}

export class SettingsStore {
  private data: FileShape;
  private memoryToken = "";

  constructor(
    private readonly file: string,
    private readonly box: SecretBox,
  ) {
    this.data = { settings: DEFAULT_SETTINGS };
    if (existsSync(file)) {
      try {
        const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<FileShape>;
        const parsed = settingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...raw.settings });
        // A corrupt or outdated file falls back to defaults rather than keeping the app from starting.
        this.data = { settings: parsed.success ? parsed.data : DEFAULT_SETTINGS, ...(raw.token ? { token: raw.token } : {}) };
      } catch {
        this.data = { settings: DEFAULT_SETTINGS };
      }
    }
  }

  get settings(): Settings {
    return this.data.settings;
  }

  update(patch: unknown): Settings {
    const p = settingsPatchSchema.parse(patch);
    this.data.settings = settingsSchema.parse({ ...this.data.settings, ...p });
    this.save();
    return this.data.settings;
  }

  get token(): string {
    if (this.memoryToken) return this.memoryToken;
    if (!this.data.token || !this.box.isEncryptionAvailable()) return "";
    try {
      return this.box.decryptString(Buffer.from(this.data.token, "base64"));
    } catch {
      return "";
    }
  }

  setToken(token: string): { persisted: boolean } {
    if (!this.box.isEncryptionAvailable()) {
      this.memoryToken = token;
      delete this.data.token;
      this.save();
      return { persisted: false };
    }
    this.memoryToken = "";
    if (token) this.data.token = this.box.encryptString(token).toString("base64");
    else delete this.data.token;
    this.save();
    return { persisted: true };
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file); // atomic: a crash never leaves half a file
  }
}
