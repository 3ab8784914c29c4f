/**
 * Whisper's decoder sometimes loops: a phrase said once comes back three, four, twenty times
 * ("Tell me a joke Tell me a joke Tell me a joke"). A phrase of 2–8 words repeated 3+ times in a
 * row at the end, or one word 4+ times, is kept once; people repeat themselves, but not like that.
 * (Decoding itself is bounded by `asrTokenBudget`.)
 *
 * Given the audio's length, a phrase of 3+ words said twice at the end is kept once too when the
 * words are more than the audio could hold (over 3.5 a second, pre-roll and pauses included:
 * people say ~2.5–3): Whisper with a short encoder context sometimes reads a short question twice
 * ("Why do cats purr? Why do cats purr?" from 2 s), while someone who really repeats themselves
 * ("Are you there? Are you there?") takes the time to say it.
 */
const bare = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, "");

const MAX_WORDS_PER_SECOND = 3.5;

export function collapseRepeatedTail(text: string, audioSeconds?: number): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const key = words.map(bare);
  const n = words.length;
  const tooManyWords = audioSeconds !== undefined && n > audioSeconds * MAX_WORDS_PER_SECOND;
  for (let p = 1; p <= 8 && p * 2 <= n; p++) {
    // The loop's region: from `start` to the end, every word equals the one p words later.
    let start = n - p;
    while (start > 0 && key[start - 1] === key[start - 1 + p]) start--;
    const copies = (n - start) / p;
    if (copies >= (p === 1 ? 4 : 3) || (copies >= 2 && p >= 3 && tooManyWords)) return words.slice(0, start + p).join(" ");
  }
  return text;
}
