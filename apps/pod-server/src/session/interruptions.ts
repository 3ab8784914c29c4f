/**
 * A voice or sound heard over a reply (server VAD) pauses it at once; these rules say what it was.
 * A barge-in stops the reply; a backchannel ("mm-hm", "yeah", "right") or a noise with no words
 * (a cough, a knock, a laugh the VAD took for voice) lets it play on from where it paused.
 *
 *  1. voice that lasts longer than any backchannel (BARGE_IN_VOICED_MS) is a barge-in, words or not;
 *  2. at its first pause and at its end, its words decide:
 *     - no words (nothing, tags, what Whisper "hears" in a cough) → noise;
 *     - two or more words that run on in the reply's own text → echo (the speaker heard through
 *       the microphone, where the client's echo cancellation let it by);
 *     - only backchannels and fillers ("mm-hm", "yeah", "right") → backchannel;
 *     - a request word ("stop", "wait", "no", "sorry", "what"…) → barge-in, however short;
 *     - other words: a barge-in when there are two or more of them and the voice has lasted
 *       SHORT_VOICE_MS, else a noise — Whisper turns a short hum into a word or two ("M.M.
 *       Thun"), and a person who wants the floor says more than one unclear word (LiveKit asks
 *       for a minimum of words too);
 *  3. a noise, a backchannel or an echo resumes the reply, and the sound is no turn.
 *
 * A sound still being judged ends after a short silence (JUDGE_SILENCE_MS), so a resumed reply is
 * back soon after the sound ends (held p50 0.64 s in `pnpm bench interruptions`; up to ~3 s after
 * a long hum on two busy cores).
 */
import type { FalseInterruption } from "@fireside/protocol";
import type { Transcript } from "../engines/types.js";
import { isSilenceHallucination } from "./asr-hallucinations.js";

/** Voice over a reply for this long is a barge-in without waiting for its words (a slow "mm-hmm" voices ~1.1 s). */
export const BARGE_IN_VOICED_MS = 1200;
/** Shorter voice is a barge-in only for a request word; from here, two other words will do. */
export const SHORT_VOICE_MS = 700;
/** Silence that ends a sound over a paused reply, so it resumes (or the barge-in is answered) soon. */
export const JUDGE_SILENCE_MS = 300;

export type InterruptionVerdict = "barge_in" | FalseInterruption;

/** Acknowledgements and fillers, by language, "|"-separated (lower case, no punctuation; hyphens dropped: "uh-huh" is "uhhuh"). */
const BACKCHANNELS: Record<string, string> = {
  en: "yeah|yes|yep|yup|ya|right|okay|ok|alright|sure|uhhuh|ah|oh|uh|um|aha|ooh|wow|cool|nice|great|i see|got it|true|exactly|indeed|really",
  es: "sí|si|vale|ajá|aja|claro|ya|bueno|vaya|eh",
  fr: "oui|ouais|daccord|ah|oh|euh|voilà|bien sûr|exactement|ok",
  de: "ja|genau|okay|ach so|aha|stimmt|richtig|ähm|na ja",
  it: "sì|si|certo|ok|esatto|eh|beh",
  pt: "sim|certo|tá|ta|pois|é|uhum|aham",
};

/** Words that ask for the floor, by language, "|"-separated as above. */
const REQUESTS: Record<string, string> = {
  en: "stop|wait|no|hold|pause|enough|sorry|excuse|hey|what|why|how|actually|but|quiet|shh|listen|pardon|repeat",
  es: "para|espera|no|perdón|perdon|oye|qué|que|pero|basta",
  fr: "arrête|arrete|attends|non|pardon|quoi|mais|stop",
  de: "stopp|halt|warte|nein|moment|was|aber|entschuldigung",
  it: "basta|aspetta|no|scusa|cosa|ma|ferma",
  pt: "para|espera|não|nao|desculpa|quê|mas",
};

/** Hums of any length: "mm", "hmm", "mhm", "mm-hmm", "mmm" (Whisper spells some "nmhmm"). */
const HUM = /^[mhn]+$/;

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[[(*][^\])*]*[\])*]/g, " ") // tags: "[cough]", "(laughs)", "*sigh*"
    .replace(/['’-]/g, "")
    .replace(/[^\p{L}\p{N} ]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();

/** A language's "|"-separated list (and English's), for the session's language. */
const listFor = (lists: Record<string, string>, language: string | undefined) =>
  `${lists[language?.slice(0, 2) ?? ""] ?? ""}|${lists.en}`.split("|").filter(Boolean);

/** What the words of a sound over a reply, voiced `voicedMs`, make it (the rules above). */
export function judgeWords(text: string, voicedMs: number, language: string | undefined, replyText = ""): InterruptionVerdict {
  if (isSilenceHallucination(text, voicedMs)) return "noise";
  const said = words(text);
  if (!said) return "noise";
  if (said.includes(" ") && ` ${words(replyText)} `.includes(` ${said} `)) return "echo";
  const tokens = said.split(" ");
  const requests = new Set(listFor(REQUESTS, language));
  if (tokens.some((w) => requests.has(w))) return "barge_in";
  const phrases = listFor(BACKCHANNELS, language).map((p) => p.split(" "));
  let others = 0;
  for (let i = 0; i < tokens.length; ) {
    const here = HUM.test(tokens[i]!)
      ? 1
      : (phrases.filter((p) => p.every((w, k) => tokens[i + k] === w)).sort((a, b) => b.length - a.length)[0]?.length ?? 0);
    if (here === 0) others++;
    i += Math.max(1, here);
  }
  if (others === 0) return "backchannel";
  return others >= 2 && voicedMs >= SHORT_VOICE_MS ? "barge_in" : "noise";
}

/**
 * A voice over a reply that ended before it was judged, by its transcript (and the VAD's voiced
 * time). A failed transcription counts as a barge-in: the turn's own transcription then reports it.
 */
export function judgeEndedVoice(
  transcript: Promise<Transcript>,
  voicedMs: Promise<number>,
  language: string | undefined,
  replyText: string,
): Promise<{ t?: Transcript; verdict: InterruptionVerdict }> {
  return Promise.all([transcript, voicedMs]).then(
    ([t, voiced]) => ({ t, verdict: judgeWords(t.text, voiced, language ?? t.language, replyText) }),
    () => ({ verdict: "barge_in" as const }),
  );
}
