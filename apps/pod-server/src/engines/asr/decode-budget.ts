/**
 * How many tokens Whisper may decode for one utterance. Speech runs at most ~4 words (about 6
 * tokens) a second, so 10 a second plus a margin never cuts a real sentence; but a decoder stuck
 * in a loop ("Tell me a joke Tell me a joke …") and each of Whisper's temperature fallbacks would
 * otherwise decode up to 224 tokens, which is how one short question waited 14.5 s (whisper tiny.en,
 * this machine). A bound on tokens is a bound on time.
 */
export function whisperTokenBudget(samples: number, sampleRate = 16000): number {
  return Math.ceil((samples / sampleRate) * 10) + 16;
}
