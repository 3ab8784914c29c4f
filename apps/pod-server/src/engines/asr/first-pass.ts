/**
 * A fast recogniser first, the accurate one only when the fast one is unsure. On two CPU cores
 * Whisper base needs ~0.5 s for a short question, longer than the end-of-turn silence, so a
 * pause's transcript always arrived after the turn had ended and nothing could start early.
 * Moonshine tiny reads the same question in ~0.1 s; when its confidence is high its words are
 * kept (and the semantic end of turn and the draft reply can act during the silence), otherwise
 * Whisper transcribes the utterance as before. Studio work, other languages and long utterances
 * (where the fast pass costs more and is wrong more often) go straight to the accurate engine.
 */
import type { AsrEngine, Transcript } from "../types.js";

export type FirstPassOutcome = "kept" | "fallback" | "skipped";

export interface FirstPassOptions {
  /** Geometric mean of the fast transcript's token probabilities at or above which it is kept. */
  minConfidence: number;
  /** Utterances longer than this go straight to the accurate engine. */
  maxSeconds: number;
  onOutcome?: (outcome: FirstPassOutcome) => void;
}

export function withFirstPass(fast: AsrEngine, accurate: AsrEngine, opts: FirstPassOptions): AsrEngine {
  return {
    info: { ...accurate.info, model: `${fast.info.model} then ${accurate.info.model}` },
    sampleRate: 16000,
    supportsPartials: accurate.supportsPartials,
    async transcribe(audio, options): Promise<Transcript> {
      const english = options.language === undefined || options.language === "en";
      if ((options.priority ?? "live") !== "live" || !english || audio.length > opts.maxSeconds * accurate.sampleRate) {
        opts.onOutcome?.("skipped");
        return accurate.transcribe(audio, options);
      }
      // A failed fast pass is only a lost shortcut; an abort is the caller's and ends both.
      const first = await fast.transcribe(audio, options).catch((err: unknown) => {
        if (options.signal?.aborted) throw err;
        return null;
      });
      if (first?.text && (first.confidence ?? 0) >= opts.minConfidence) {
        opts.onOutcome?.("kept");
        return first;
      }
      opts.onOutcome?.("fallback");
      return accurate.transcribe(audio, options);
    },
    async close() {
      await Promise.all([fast.close(), accurate.close()]);
    },
  };
}
