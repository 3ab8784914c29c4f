/**
 * Whisper, given silence or noise, often "hears" the captions it was trained on: "you", "Thank you.",
 * "Thanks for watching!", "[BLANK_AUDIO]". Such a transcript must not become a turn. Tags and
 * caption credits are never real speech to an assistant; short polite phrases can be, so they are
 * dropped only when the VAD heard almost no voice.
 */
const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();

/** Only bracketed tags, music notes and punctuation: "[BLANK_AUDIO]", "(silence)", "♪♪". */
const ONLY_TAGS = /^(\s*(\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫.,!?…-]+))+\s*$/u;

const CREDITS = ["thanks for watching", "thank you for watching", "please subscribe", "subtitles by", "amara org", "transcribed by"];

const SHORT_PHRASES = new Set(["you", "thank you", "thanks", "bye", "oh", "so", "okay", "the end", "uh", "um", "hmm"]);

/** Voiced audio below which a short phrase is taken for a hallucination (a spoken "thank you" is ~400 ms). */
export const SHORT_PHRASE_MAX_VOICED_MS = 250;

export function isSilenceHallucination(text: string, voicedMs: number): boolean {
  if (!text.trim() || ONLY_TAGS.test(text)) return true;
  const n = normalise(text);
  if (!n) return true;
  if (CREDITS.some((c) => n.includes(c))) return true;
  return voicedMs < SHORT_PHRASE_MAX_VOICED_MS && SHORT_PHRASES.has(n);
}
