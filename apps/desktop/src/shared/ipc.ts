/**
 * The IPC contract between the renderer and the main process. Kept free of runtime imports: the
 * sandboxed preload can only load what is bundled into it.
 */
import type { Settings } from "./settings.js";

export const IPC = {
  getSettings: "settings:get",
  setSettings: "settings:set",
  getToken: "token:get",
  setToken: "token:set",
} as const;

/** What the preload exposes as `window.fireside`. */
export interface FiresideBridge {
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  getToken(): Promise<string>;
  /** Returns whether the token could be stored encrypted (it is never stored in clear). */
  setToken(token: string): Promise<{ persisted: boolean }>;
}
