/** Electron entry: wires the window, settings store and IPC; the logic lives in the modules beside it. */
import { join } from "node:path";
import { app, BrowserWindow, globalShortcut, ipcMain, Menu, nativeImage, safeStorage, session, Tray } from "electron";
import { registerIpc } from "./ipc.js";
import { SettingsStore } from "./settings-store.js";
import { AppTray } from "./tray.js";
import { createMainWindow, rendererPaths } from "./window.js";

app.whenReady().then(() => {
  const store = new SettingsStore(join(app.getPath("userData"), "settings.json"), safeStorage);
  const paths = rendererPaths(import.meta.dirname);
  let win: BrowserWindow | null = null;
  const tray = new AppTray({
    createTray: (icon) => new Tray(icon),
    buildMenu: (t) => Menu.buildFromTemplate(t),
    iconFromBitmap: (bitmap, size) => nativeImage.createFromBitmap(bitmap, size),
    globalShortcut,
    window: () => win,
    quit: () => app.quit(),
  });
  registerIpc(
    ipcMain,
    store,
    (e) => e.sender === win?.webContents,
    (state) => {
      tray.update(state);
      // The renderer reports after every settings change too: the shortcut follows the setting.
      return { shortcutProblem: tray.setShortcut(store.settings.pushToTalkShortcut) };
    },
  );
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

app.on("will-quit", () => globalShortcut.unregisterAll());

app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit();
});
