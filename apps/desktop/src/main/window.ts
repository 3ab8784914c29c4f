/** The main window: isolated, sandboxed, no Node in the renderer, no navigation away. */
import { join } from "node:path";
import { BrowserWindow, shell } from "electron";

export function createMainWindow(preloadPath: string, rendererHtml: string, devUrl?: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 820,
    minWidth: 760,
    minHeight: 560,
    title: "Fireside",
    backgroundColor: "#16120f",
    webPreferences: { preload: preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: "deny" };
  });
  win.webContents.on("will-navigate", (e) => e.preventDefault());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(rendererHtml);
  return win;
}

export const rendererPaths = (dir: string) => ({ preload: join(dir, "../preload/index.cjs"), html: join(dir, "../renderer/index.html") });
