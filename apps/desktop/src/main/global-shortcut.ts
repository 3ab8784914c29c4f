/**
 * The global push-to-talk shortcut, registered from the main process so it works while another
 * app has focus. Electron reports only the key press, not its release, so the global shortcut
 * toggles: press to start talking, press again to send (holding Space in the window still works
 * as push-to-talk). Re-registering replaces the previous shortcut; a shortcut another app owns,
 * or one that is not an accelerator, is reported in a sentence and the old one stays.
 */
import type { GlobalShortcut } from "electron";

export type ShortcutResult = { ok: true; shortcut: string } | { ok: false; shortcut: string | null; reason: string };

export class PushToTalkShortcut {
  private current: string | null = null;

  constructor(
    private readonly globalShortcut: Pick<GlobalShortcut, "register" | "unregister">,
    private readonly onPress: () => void,
  ) {}

  get shortcut(): string | null {
    return this.current;
  }

  /** Registers `accelerator` ("" turns the shortcut off). */
  set(accelerator: string): ShortcutResult {
    if (accelerator === this.current) return { ok: true, shortcut: accelerator };
    if (accelerator === "") {
      if (this.current) this.globalShortcut.unregister(this.current);
      this.current = null;
      return { ok: true, shortcut: "" };
    }
    let registered = false;
    try {
      registered = this.globalShortcut.register(accelerator, this.onPress);
    } catch {
      return {
        ok: false,
        shortcut: this.current,
        reason: `"${accelerator}" is not a shortcut Electron understands (e.g. CommandOrControl+Shift+Space)`,
      };
    }
    if (!registered) return { ok: false, shortcut: this.current, reason: `"${accelerator}" is taken by another application` };
    if (this.current) this.globalShortcut.unregister(this.current);
    this.current = accelerator;
    return { ok: true, shortcut: accelerator };
  }
}
