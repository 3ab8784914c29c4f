/** The main process's IPC handlers. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IpcMainInvokeEvent } from "electron";
import { describe, expect, it } from "vitest";
import { registerIpc } from "../src/main/ipc.js";
import { SettingsStore } from "../src/main/settings-store.js";
import { IPC } from "../src/shared/ipc.js";

function setup() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipcMain = { handle: (ch: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) => void handlers.set(ch, fn) };
  const box = {
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from(s).reverse(),
    decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
  };
  const store = new SettingsStore(join(mkdtempSync(join(tmpdir(), "ipc-")), "s.json"), box);
  const trusted = { sender: "main-window" } as unknown as IpcMainInvokeEvent;
  registerIpc(ipcMain, store, (e) => e === trusted);
  const call = (ch: string, ...args: unknown[]) => handlers.get(ch)!(trusted, ...args);
  return { handlers, call, trusted };
}

describe("IPC handlers", () => {
  it("register exactly the contract's channels", () => {
    expect([...setup().handlers.keys()].sort()).toEqual(Object.values(IPC).sort());
  });
  it("validate what the renderer sends", () => {
    const { call } = setup();
    expect(call(IPC.setSettings, { language: "de" })).toMatchObject({ language: "de" });
    expect(() => call(IPC.setSettings, { language: 42 })).toThrow();
    expect(() => call(IPC.setSettings, "podUrl=evil")).toThrow();
    expect(() => call(IPC.setToken, { token: "x" })).toThrow();
    expect(call(IPC.setToken, "abc")).toEqual({ persisted: true });
    expect(call(IPC.getToken)).toBe("abc");
  });
  it("take the renderer's state for the tray only in its documented shape", () => {
    const { call } = setup();
    expect(call(IPC.reportState, { muted: true })).toEqual({ shortcutProblem: null });
    expect(() => call(IPC.reportState, { muted: "yes" })).toThrow();
    expect(() => call(IPC.reportState, { muted: true, run: "rm -rf" })).toThrow();
  });
  it("refuse calls from frames other than the app's window", () => {
    const { handlers } = setup();
    expect(() => handlers.get(IPC.getToken)!({ sender: "iframe" } as unknown as IpcMainInvokeEvent)).toThrow(/untrusted/);
  });
});
