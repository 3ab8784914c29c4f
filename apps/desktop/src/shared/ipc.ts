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
  /** The renderer tells the tray what to show. */
  reportState: "app:state",
} as const;

/** Main → renderer: what the tray menu or the global shortcut asks for. */
export const COMMAND_CHANNEL = "app:command";
export type AppCommand = "toggle-mute" | "toggle-talk";

export interface AppState {
  muted: boolean;
}

/** What the preload exposes as `window.fireside`. */
export interface FiresideBridge {
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  getToken(): Promise<string>;
  /** Returns whether the token could be stored encrypted (it is never stored in clear). */
  setToken(token: string): Promise<{ persisted: boolean }>;
  /** Desktop only: the tray and the global shortcut. Returns the shortcut's state in a sentence when it could not be registered. */
  reportState?(state: AppState): Promise<{ shortcutProblem: string | null }>;
  onCommand?(listener: (command: AppCommand) => void): void;
}
