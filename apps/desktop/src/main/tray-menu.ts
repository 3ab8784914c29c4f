/**
 * The tray icon's menu, as a plain template (tested without Electron): mute/unmute, talk (the
 * global push-to-talk shortcut's action, with its accelerator shown), show the window, quit.
 */
import type { MenuItemConstructorOptions } from "electron";

export interface TrayState {
  muted: boolean;
  /** The push-to-talk shortcut, or null when none could be registered. */
  shortcut: string | null;
}

export interface TrayActions {
  toggleMute(): void;
  toggleTalk(): void;
  show(): void;
  quit(): void;
}

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { label: state.muted ? "Unmute microphone" : "Mute microphone", type: "checkbox", checked: state.muted, click: actions.toggleMute },
    {
      label: "Talk (press again to send)",
      ...(state.shortcut ? { accelerator: state.shortcut } : {}),
      enabled: !state.muted,
      click: actions.toggleTalk,
    },
    { type: "separator" },
    { label: "Show Fireside", click: actions.show },
    { label: "Quit", click: actions.quit },
  ];
}

/** The tray's tooltip: the state in words. */
export function trayTooltip(state: TrayState): string {
  return `Fireside — ${state.muted ? "muted" : "listening"}${state.shortcut ? ` · ${state.shortcut} to talk` : ""}`;
}
