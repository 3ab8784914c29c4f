/**
 * How many conversations the pod admits when FIRESIDE_MAX_SESSIONS is not set. On CPU engines
 * every conversation's ASR, LLM and TTS share the same cores: measured on two cores (pnpm bench
 * conversations), two conversations answer as fast as one (voice-to-voice p50 1.5 → 1.7 s) while
 * four reach p50 3.0 s and max 8.7 s. So a CPU pod admits one conversation per core (at least two)
 * and tells the next one E_BUSY, instead of making everyone wait.
 */
import type { Engines } from "./types.js";

/** Sessions a pod serves with no setting given. */
export const UNLIMITED_SESSIONS = 64;

export function defaultSessionLimit(engines: Pick<Engines, "asr" | "llm" | "tts">, cores: number): number {
  const onCpu = [engines.asr, engines.llm, engines.tts].some((e) => e.info.device === "cpu");
  return onCpu ? Math.max(2, cores) : UNLIMITED_SESSIONS;
}
