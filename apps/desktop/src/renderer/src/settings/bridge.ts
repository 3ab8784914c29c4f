/**
 * Settings access: the Electron preload's bridge when there is one, else (the web client the pod
 * serves) localStorage, with the pod URL defaulting to the page's own origin.
 */
import type { FiresideBridge } from "../../../shared/ipc";
import { DEFAULT_SETTINGS, type Settings, settingsSchema } from "../../../shared/settings";

declare global {
  interface Window {
    fireside?: FiresideBridge;
  }
}

function webBridge(): FiresideBridge {
  const key = "fireside.settings";
  const origin = location.protocol.startsWith("http")
    ? `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/realtime`
    : DEFAULT_SETTINGS.podUrl;
  const load = (): Settings => {
    try {
      return settingsSchema.parse({ ...DEFAULT_SETTINGS, podUrl: origin, ...JSON.parse(localStorage.getItem(key) ?? "{}") });
    } catch {
      return { ...DEFAULT_SETTINGS, podUrl: origin };
    }
  };
  let token = new URLSearchParams(location.search).get("token") ?? sessionStorage.getItem("fireside.token") ?? "";
  return {
    getSettings: async () => load(),
    setSettings: async (patch) => {
      const next = settingsSchema.parse({ ...load(), ...patch });
      localStorage.setItem(key, JSON.stringify(next));
      return next;
    },
    getToken: async () => token,
    // The browser has no keychain: the token lives for this tab only.
    setToken: async (t) => {
      token = t;
      sessionStorage.setItem("fireside.token", t);
      return { persisted: false };
    },
  };
}

export const bridge: FiresideBridge = window.fireside ?? webBridge();
export const isDesktop = window.fireside !== undefined;
