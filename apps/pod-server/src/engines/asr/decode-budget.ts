/** What a recogniser may spend on one utterance: the tokens it decodes and Whisper's encoder context. */

/**
 * How many tokens a recogniser (Whisper, Moonshine) may decode for one utterance. Fast
 * conversational speech is ~4–5 words (5–7 tokens) a second, and the audio carries pauses and
 * pre-roll too, so 7 a second plus 10 lets a fast talker's sentence through (checked: 23 words
 * in 4.7 s). A decoder caught in a loop ("Tell me you joke. Tell me you joke. …") decodes up to
 * the bound on every temperature fallback: one 1.9 s question took 8–10 s unbounded, 1.9 s at 10
 * a second, 0.75 s at this bound (whisper base, two cores). The loop's repeats are then cut by
 * `collapseRepeatedTail`.
 */
export function asrTokenBudget(samples: number, sampleRate = 16000): number {
  return Math.ceil((samples / sampleRate) * 7) + 10;
}

/**
 * The encoder's context for an utterance: its cost scales with the context, so it is fitted to the
 * utterance plus a 128-position margin (2.6 s), at least 192 (3.8 s); 50 positions = 1 s of audio.
 * On two cores a short question takes ~360 ms at this fit against ~480 ms at the earlier floor of
 * 384 and ~1.2 s at the full 1500 (30 s). Tighter fits (margin 64–96, floor 128) were faster still
 * but fell back to sampling at higher temperatures about twice as often (1–2 s a time), and very
 * short contexts make Whisper say a short question twice, which `collapseRepeatedTail` undoes.
 */
export function whisperEncoderContext(samples: number, sampleRate = 16000): number {
  return Math.min(1500, Math.max(192, Math.ceil((samples / sampleRate) * 50) + 128));
}
