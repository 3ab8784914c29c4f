/**
 * Captions in step with the voice: while the newest reply is still being spoken, only the clauses
 * whose audio has started playing are shown (the LLM's text runs seconds ahead of the voice);
 * otherwise the whole turn as kept.
 */
import type { Turn } from "../store/app-store";

export function shownText(t: Turn, speakingNow: boolean, playedSamples: number): string {
  if (t.role !== "assistant" || !speakingNow || !t.captions?.length) return t.text;
  const heard = t.captions.filter((c) => c.startSample <= playedSamples).map((c) => c.text);
  return heard.length ? heard.join(" ") : "…";
}

/** The playback figure (ms) as the reply's samples the captions are timed in (the player runs at 24 kHz). */
export const playedSamples = (playedMs: number): number => Math.round(playedMs * 24);
