/**
 * Whisper's decoder sometimes loops: a phrase said once comes back three, four, twenty times
 * ("Tell me a joke Tell me a joke Tell me a joke"). A phrase of 2–8 words repeated 3+ times in a
 * row at the end, or one word 4+ times, is kept once; people repeat themselves, but not like that.
 * (Decoding itself is bounded by `asrTokenBudget`.)
 */
const bare = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, "");

export function collapseRepeatedTail(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const key = words.map(bare);
  const n = words.length;
  for (let p = 1; p <= 8 && p * 3 <= n; p++) {
    // The loop's region: from `start` to the end, every word equals the one p words later.
    let start = n - p;
    while (start > 0 && key[start - 1] === key[start - 1 + p]) start--;
    const copies = (n - start) / p;
    if (copies >= (p === 1 ? 4 : 3)) return words.slice(0, start + p).join(" ");
  }
  return text;
}
