/**
 * The tray icon and the global push-to-talk shortcut, wired to the window: their commands go to
 * the renderer (which owns the microphone), the renderer reports its state back for the menu.
 * The icon is drawn in code (a small amber circle), so the app ships no image for it.
 */
import type { BrowserWindow, GlobalShortcut, Menu, NativeImage, Tray } from "electron";
import { type AppCommand, type AppState, COMMAND_CHANNEL } from "../shared/ipc.js";
import { PushToTalkShortcut } from "./global-shortcut.js";
import { type TrayState, trayMenuTemplate, trayTooltip } from "./tray-menu.js";

export interface TrayDeps {
  createTray(icon: NativeImage): Tray;
  buildMenu: typeof Menu.buildFromTemplate;
  iconFromBitmap(bitmap: Buffer, size: { width: number; height: number }): NativeImage;
  globalShortcut: Pick<GlobalShortcut, "register" | "unregister">;
  window(): BrowserWindow | null;
  quit(): void;
}

/** A 16 × 16 BGRA bitmap of a filled circle in the app's amber. */
export function trayIconBitmap(size = 16): Buffer {
  const px = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const inside = Math.hypot(x - c, y - c) <= size / 2 - 0.5;
      px.set(inside ? [0x58, 0xa4, 0xe0, 0xff] : [0, 0, 0, 0], (y * size + x) * 4);
    }
  return px;
}

export class AppTray {
  private readonly tray: Tray;
  private readonly shortcut: PushToTalkShortcut;
  private state: TrayState = { muted: false, shortcut: null };

  constructor(private readonly deps: TrayDeps) {
    this.tray = deps.createTray(deps.iconFromBitmap(trayIconBitmap(), { width: 16, height: 16 }));
    this.shortcut = new PushToTalkShortcut(deps.globalShortcut, () => this.send("toggle-talk"));
    this.render();
  }

  /** Registers the configured shortcut; returns why it could not be, or null. */
  setShortcut(accelerator: string): string | null {
    const r = this.shortcut.set(accelerator);
    this.state = { ...this.state, shortcut: this.shortcut.shortcut };
    this.render();
    return r.ok ? null : r.reason;
  }

  update(app: AppState): void {
    this.state = { ...this.state, muted: app.muted };
    this.render();
  }

  private send(command: AppCommand): void {
    this.deps.window()?.webContents.send(COMMAND_CHANNEL, command);
  }

  private render(): void {
    this.tray.setToolTip(trayTooltip(this.state));
    this.tray.setContextMenu(
      this.deps.buildMenu(
        trayMenuTemplate(this.state, {
          toggleMute: () => this.send("toggle-mute"),
          toggleTalk: () => this.send("toggle-talk"),
          show: () => this.deps.window()?.show(),
          quit: () => this.deps.quit(),
        }),
      ),
    );
  }
}
