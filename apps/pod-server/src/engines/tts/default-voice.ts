/** The one rule for which voice speaks when a request names none: the engine's first voice. */
import type { VoiceInfo } from "../types.js";

export function defaultVoice(voices: readonly Pick<VoiceInfo, "id">[]): string | null {
  return voices[0]?.id ?? null;
}
