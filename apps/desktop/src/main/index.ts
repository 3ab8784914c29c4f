/** Electron entry: wires the window, settings store and IPC; the logic lives in the modules beside it. */
import { join } from "node:path";
import { app, BrowserWindow, ipcMain, safeStorage, session } from "electron";
import { registerIpc } from "./ipc.js";
import { SettingsStore } from "./settings-store.js";
import { createMainWindow, rendererPaths } from "./window.js";

app.whenReady().then(() => {
  const store = new SettingsStore(join(app.getPath("userData"), "settings.json"), safeStorage);
  const paths = rendererPaths(import.meta.dirname);
  let win: BrowserWindow | null = null;
  registerIpc(ipcMain, store, (e) => e.sender === win?.webContents);
  // The microphone is the only permission the app asks for.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === "media"));
  const open = () => {
    win = createMainWindow(paths.preload, paths.html, process.env.ELECTRON_RENDERER_URL);
  };
  open();
  app.on("activate", () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
});

app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit();
});
