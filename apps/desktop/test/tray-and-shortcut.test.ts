/** The tray menu and the global talk shortcut. */
import { describe, expect, it, vi } from "vitest";
import { PushToTalkShortcut } from "../src/main/global-shortcut.js";
import { trayMenuTemplate, trayTooltip } from "../src/main/tray-menu.js";

const actions = () => ({ toggleMute: vi.fn(), toggleTalk: vi.fn(), show: vi.fn(), quit: vi.fn() });

describe("tray menu", () => {
  it("offers mute, talk with its shortcut, show and quit; each item does what it says", () => {
    const a = actions();
    const items = trayMenuTemplate({ muted: false, shortcut: "CommandOrControl+Shift+Space" }, a);
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      "Mute microphone",
      "Talk (press again to send)",
      "separator",
      "Show Fireside",
      "Quit",
    ]);
    expect(items[1]!.accelerator).toBe("CommandOrControl+Shift+Space");
    for (const i of items) (i.click as (() => void) | undefined)?.();
    expect([a.toggleMute, a.toggleTalk, a.show, a.quit].map((f) => f.mock.calls.length)).toEqual([1, 1, 1, 1]);
  });

  it("shows the muted state: checked, 'Unmute', talk disabled, and says it in the tooltip", () => {
    const items = trayMenuTemplate({ muted: true, shortcut: null }, actions());
    expect(items[0]).toMatchObject({ label: "Unmute microphone", checked: true });
    expect(items[1]).toMatchObject({ enabled: false });
    expect(items[1]!.accelerator).toBeUndefined();
    expect(trayTooltip({ muted: true, shortcut: null })).toBe("Fireside — muted");
  });
});

describe("global push-to-talk shortcut", () => {
  function fake(taken: string[] = []) {
    const registered = new Map<string, () => void>();
    return {
      registered,
      register: vi.fn((acc: string, cb: () => void) => {
        if (!/^(CommandOrControl|Alt|Shift|Control|Super)(\+\w+)+$/.test(acc)) throw new Error("bad accelerator");
        if (taken.includes(acc)) return false;
        registered.set(acc, cb);
        return true;
      }),
      unregister: vi.fn((acc: string) => void registered.delete(acc)),
    };
  }

  it("registers, replaces the old shortcut, and a press calls the action", () => {
    const g = fake();
    const press = vi.fn();
    const s = new PushToTalkShortcut(g, press);
    expect(s.set("CommandOrControl+Shift+Space")).toEqual({ ok: true, shortcut: "CommandOrControl+Shift+Space" });
    expect(s.set("Alt+Shift+T")).toMatchObject({ ok: true });
    expect([...g.registered.keys()]).toEqual(["Alt+Shift+T"]);
    g.registered.get("Alt+Shift+T")!();
    expect(press).toHaveBeenCalledTimes(1);
    expect(s.set("")).toMatchObject({ ok: true });
    expect(g.registered.size).toBe(0);
  });

  it("keeps the old shortcut and says why when the new one is taken or not a shortcut", () => {
    const g = fake(["Alt+Shift+T"]);
    const s = new PushToTalkShortcut(g, () => {});
    s.set("CommandOrControl+Shift+Space");
    expect(s.set("Alt+Shift+T")).toEqual({
      ok: false,
      shortcut: "CommandOrControl+Shift+Space",
      reason: '"Alt+Shift+T" is taken by another application',
    });
    expect(s.set("banana")).toMatchObject({ ok: false, reason: expect.stringMatching(/not a shortcut/) });
    expect(s.shortcut).toBe("CommandOrControl+Shift+Space");
    expect([...g.registered.keys()]).toEqual(["CommandOrControl+Shift+Space"]);
  });
});

describe("app tray", () => {
  it("sends the menu's and the shortcut's commands to the window, and shows what the renderer reports", async () => {
    const { AppTray, trayIconBitmap } = await import("../src/main/tray.js");
    const menus: { label?: string; click?: () => void }[][] = [];
    const tooltips: string[] = [];
    const sent: string[] = [];
    const shortcuts = new Map<string, () => void>();
    const tray = new AppTray({
      createTray: () => ({ setToolTip: (t: string) => tooltips.push(t), setContextMenu: () => {} }) as never,
      buildMenu: ((t: { label?: string; click?: () => void }[]) => {
        menus.push(t);
        return {} as never;
      }) as never,
      iconFromBitmap: () => ({}) as never,
      globalShortcut: {
        register: (acc, cb) => {
          shortcuts.set(acc, cb as () => void);
          return true;
        },
        unregister: (acc) => void shortcuts.delete(acc),
      },
      window: () => ({ webContents: { send: (_ch: string, c: string) => sent.push(c) }, show: () => {} }) as never,
      quit: () => {},
    });
    expect(tray.setShortcut("Alt+Shift+T")).toBeNull();
    shortcuts.get("Alt+Shift+T")!();
    menus.at(-1)!.find((i) => i.label === "Mute microphone")!.click!();
    expect(sent).toEqual(["toggle-talk", "toggle-mute"]);
    tray.update({ muted: true });
    expect(menus.at(-1)![0]!.label).toBe("Unmute microphone");
    expect(tooltips.at(-1)).toBe("Fireside — muted · Alt+Shift+T to talk");
    expect(trayIconBitmap().length).toBe(16 * 16 * 4);
  });
});
