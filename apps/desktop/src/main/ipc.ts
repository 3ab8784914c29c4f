/** IPC handlers: every renderer request is validated before it touches the store. */
import type { IpcMain, IpcMainInvokeEvent } from "electron";
import { z } from "zod";
import { type AppState, IPC } from "../shared/ipc.js";
import { tokenSchema } from "../shared/settings.js";

const appStateSchema = z.object({ muted: z.boolean() }).strict();

import type { SettingsStore } from "./settings-store.js";

/** Only our own window's frames may call in (not an iframe or a navigated-away page). */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** `onState`: the renderer's state for the tray; returns a problem with the global shortcut, if any. */
export function registerIpc(
  ipcMain: Pick<IpcMain, "handle">,
  store: SettingsStore,
  trusted: SenderCheck,
  onState: (state: AppState) => { shortcutProblem: string | null } = () => ({ shortcutProblem: null }),
): void {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (event: IpcMainInvokeEvent, ...args: A): R => {
      if (!trusted(event)) throw new Error("IPC from an untrusted frame");
      return fn(...args);
    };
  ipcMain.handle(
    IPC.getSettings,
    guard(() => store.settings),
  );
  ipcMain.handle(
    IPC.setSettings,
    guard((patch: unknown) => store.update(patch)),
  );
  ipcMain.handle(
    IPC.getToken,
    guard(() => store.token),
  );
  ipcMain.handle(
    IPC.setToken,
    guard((token: unknown) => store.setToken(tokenSchema.parse(token))),
  );
  ipcMain.handle(
    IPC.reportState,
    guard((state: unknown) => onState(appStateSchema.parse(state))),
  );
}
