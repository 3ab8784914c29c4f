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
 * utterance plus a 128-position margin (2.6 s), at least 256 (5.1 s); 50 positions = 1 s of audio.
 * Whisper base q8_0 on two cores over 74 synthetic questions, 2–3 runs each: a floor of 384 gave
 * word error 0.097–0.099 at ~480 ms a question (p50), 320 gave 0.099 at ~440 ms, 256 0.102 at
 * ~410 ms, 192 0.104 at ~370 ms — and without `collapseRepeatedTail`'s rule for a question read
 * twice (short contexts make Whisper do that) 192 gave 0.118. Shorter contexts also fell back to
 * sampling at higher temperatures (1–2 s a time) a little more often. The full 1500 (30 s) costs
 * ~1.2 s a question.
 */
export function whisperEncoderContext(samples: number, sampleRate = 16000): number {
  return Math.min(1500, Math.max(256, Math.ceil((samples / sampleRate) * 50) + 128));
}
