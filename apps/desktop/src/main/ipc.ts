/** IPC handlers: every renderer request is validated before it touches the store. */
import type { IpcMain, IpcMainInvokeEvent } from "electron";
import { IPC } from "../shared/ipc.js";
import { tokenSchema } from "../shared/settings.js";
import type { SettingsStore } from "./settings-store.js";

/** Only our own window's frames may call in (not an iframe or a navigated-away page). */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export function registerIpc(ipcMain: Pick<IpcMain, "handle">, store: SettingsStore, trusted: SenderCheck): void {
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
}
