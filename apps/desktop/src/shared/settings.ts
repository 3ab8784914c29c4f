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
    .regex(/^wss?:\/\/[^\s]+$/, "must be a ws:// or wss:// URL"),
  inputDeviceId: z.string().max(200).default(""),
  outputDeviceId: z.string().max(200).default(""),
  language: z.string().min(2).max(8).default("en"),
  persona: z.string().max(8000).default(""),
  voice: z.string().max(128).default(""),
  mode: z.enum(["hands-free", "push-to-talk"]).default("hands-free"),
  /** Silero speech probability that starts speech (higher = less sensitive). */
  vadThreshold: z.number().min(0.1).max(0.95).default(0.5),
  /** Silence that ends the user's turn. */
  minSilenceMs: z.number().int().min(200).max(3000).default(700),
  /** Audio buffered before playback starts; 240–400 ms suits FireRedTTS2's pace. */
  playbackLeadMs: z.number().int().min(40).max(1000).default(300),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({ podUrl: "ws://127.0.0.1:8787/v1/realtime" });

export const settingsPatchSchema = settingsSchema.partial().strict();
export const tokenSchema = z.string().max(4096);
