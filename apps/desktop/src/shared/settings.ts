/**
 * The desktop app's settings and the IPC contract between the renderer and the main process,
 * declared once. The main process validates everything the renderer sends with these schemas.
 */
import { z } from "zod";

export const settingsSchema = z.object({
  /** WebSocket URL of the pod's realtime endpoint. */
  podUrl: z
    .string()
    .max(500)
    .max(500, "is too long")
    .regex(/^wss?:\/\/[^\s]+$/, "must start with ws:// or wss://, like ws://127.0.0.1:8787/v1/realtime"),
  inputDeviceId: z.string().max(200).default(""),
  outputDeviceId: z.string().max(200).default(""),
  language: z.string().min(2, "must be a language code such as en or fr").max(8, "must be a language code such as en or fr").default("en"),
  persona: z.string().max(8000).default(""),
  voice: z.string().max(128).default(""),
  mode: z.enum(["hands-free", "push-to-talk"]).default("hands-free"),
  /**
   * Hands-free: who decides that you are done and what talking over a reply means. "pod": the app
   * streams the microphone and the pod's turn-taking decides (pauses, fillers, coughs and
   * "mm-hm" during a reply); "app": the local VAD sends each utterance and interrupts at once.
   */
  turnTaking: z.enum(["pod", "app"]).default("pod"),
  /** Silero speech probability that starts speech (higher = less sensitive). */
  vadThreshold: z.number().min(0.1).max(0.95).default(0.5),
  /** Silence that ends the user's turn. */
  minSilenceMs: z.number().int().min(200).max(3000).default(700),
  /** Desktop app: the global shortcut that starts talking and, pressed again, sends ("" = none). */
  pushToTalkShortcut: z
    .string()
    .max(100)
    .regex(/^$|^[A-Za-z0-9]+(\+[A-Za-z0-9]+)*$/, "must be keys joined by +, like CommandOrControl+Shift+Space")
    .default("CommandOrControl+Shift+Space"),
  /** Audio buffered before playback starts; 240–400 ms suits FireRedTTS2's pace. */
  playbackLeadMs: z.number().int().min(40).max(1000).default(300),
});
export type Settings = z.infer<typeof settingsSchema>;

/**
 * What a person types for the pod's address, made into the realtime URL when the intent is clear:
 * `host:port` and `http://host:port` become `ws://host:port/v1/realtime`, `https://…` becomes
 * `wss://…`, and an address without a path gets `/v1/realtime`. Anything else is left as typed (and
 * the check says what is wrong with it).
 */
export function correctPodUrl(typed: string): string {
  let url = typed.trim();
  if (!url) return url;
  if (/^https?:\/\//i.test(url)) url = url.replace(/^http/i, "ws");
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `${/\.proxy\.runpod\.net(:|\/|$)/i.test(url) ? "wss" : "ws"}://${url}`;
  if (/^wss?:\/\/[^/\s]+\/?$/i.test(url)) url = `${url.replace(/\/$/, "")}/v1/realtime`;
  return url;
}

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({ podUrl: "ws://127.0.0.1:8787/v1/realtime" });

export const settingsPatchSchema = settingsSchema.partial().strict();

/** What each setting is called on screen. */
export const SETTING_LABELS: Record<keyof Settings, string> = {
  podUrl: "Pod URL",
  inputDeviceId: "Input",
  outputDeviceId: "Output",
  language: "Language",
  persona: "Persona",
  voice: "Voice",
  mode: "Mode",
  turnTaking: "Turn-taking",
  vadThreshold: "Sensitivity",
  minSilenceMs: "Minimum silence",
  playbackLeadMs: "Playback lead",
  pushToTalkShortcut: "Global talk shortcut",
};

/** Checks one setting; returns a sentence a person understands, or null when the value is fine. */
export function checkSetting<K extends keyof Settings>(key: K, value: Settings[K]): string | null {
  const r = settingsSchema.shape[key].safeParse(value);
  return r.success ? null : `${SETTING_LABELS[key]} ${r.error.issues[0]?.message ?? "is not valid"}.`;
}

/** An error from saving settings (a zod error, possibly as text across IPC) as one sentence. */
export function explainSettingsError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const json = text.slice(text.indexOf("["), text.lastIndexOf("]") + 1);
  try {
    const issues = JSON.parse(json) as { path?: (string | number)[]; message?: string }[];
    const first = issues[0];
    const key = first?.path?.[0] as keyof Settings | undefined;
    if (first?.message) return `${key && key in SETTING_LABELS ? SETTING_LABELS[key] : "A setting"} ${first.message}.`;
  } catch {
    // not a list of issues: say it as it came
  }
  return text;
}
export const tokenSchema = z.string().max(4096);
