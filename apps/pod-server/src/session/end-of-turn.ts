/**
 * How long a pause must last to end the turn, from two judges of the utterance so far: the
 * end-of-turn model on its audio (fast: its verdict lands ~0.1–0.3 s into the pause) and the
 * pause's transcript (slower; says whether the words can end a sentence). Rules, first match:
 *
 *  1. transcript unfinished ("…and", "…the", "um") → the long wait, whatever the audio says
 *     (synthetic or flat prosody makes the model call every stop complete);
 *  2. model: complete → the short wait (the transcript need not have landed);
 *  3. model: incomplete, transcript finished → the configured silence (people's real ends often
 *     score low; the words are the tie-break, and the wait is no longer than without a model);
 *  4. model: incomplete, transcript not yet in or unsure → the long wait (a thinking pause);
 *  5. no model verdict (off, or failed): the transcript alone — finished short, else silence;
 *  6. nothing in yet while the model works: the long wait, so its verdict always counts (a slow
 *     model on a busy machine costs time, not a wrong cut), ending as "no_verdict" if none lands.
 *
 * A decision is remade as each judge lands; the pause then ends at the newest target.
 */
import type { EndOfTurnRule } from "@fireside/protocol";
import type { Completeness } from "./sentence-completeness.js";

/** The model's probability at or above which the audio sounds finished (pipecat's own cut). */
export const COMPLETE_AT = 0.5;

export interface EndOfTurnWaits {
  /** No judge has spoken, or they disagree mildly: the fixed silence (detection.silenceMs). */
  silenceMs: number;
  /** Finished: a short wait. */
  finishedSilenceMs: number;
  /** Unfinished: wait through fillers and thinking pauses, up to this. */
  unfinishedSilenceMs: number;
}

export interface EndOfTurnDecision {
  waitMs: number;
  rule: EndOfTurnRule;
}

/** How a turn's end was decided: the rule, and the end-of-turn model's say when it had one. */
export interface EndOfTurnRecord extends EndOfTurnDecision {
  probability?: number;
  modelMs?: number;
}

export function endOfTurnWait(
  probability: number | undefined,
  transcript: Completeness | undefined,
  waits: EndOfTurnWaits,
  modelPending = false,
): EndOfTurnDecision {
  if (transcript === "unfinished") return { waitMs: waits.unfinishedSilenceMs, rule: "words_unfinished" };
  if (probability === undefined && modelPending && transcript === undefined)
    return { waitMs: waits.unfinishedSilenceMs, rule: "no_verdict" };
  if (probability !== undefined) {
    if (probability >= COMPLETE_AT) return { waitMs: waits.finishedSilenceMs, rule: "audio_finished" };
    if (transcript === "finished") return { waitMs: waits.silenceMs, rule: "audio_unsure_words_finished" };
    return { waitMs: waits.unfinishedSilenceMs, rule: "audio_unfinished" };
  }
  if (transcript === "finished") return { waitMs: waits.finishedSilenceMs, rule: "words_finished" };
  return { waitMs: waits.silenceMs, rule: "silence" };
}
