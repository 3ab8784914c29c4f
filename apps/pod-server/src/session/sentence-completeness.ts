/**
 * Does a transcript read as a finished sentence? The end-of-turn wait uses it: a finished question
 * ends the turn after a short silence, words that cannot end an English sentence ("and", "the",
 * "because", "um") make it wait longer, anything else keeps the configured silence. Whisper's
 * punctuation carries most of the signal; the word list catches its habit of ending every
 * fragment with a full stop ("I went to the shop and.").
 */

export type Completeness = "finished" | "unfinished" | "unsure";

const CANNOT_END = new Set([
  // conjunctions and relative words
  "and",
  "or",
  "but",
  "so",
  "because",
  "if",
  "when",
  "while",
  "although",
  "though",
  "unless",
  "until",
  "since",
  "than",
  "that",
  "which",
  "who",
  "whose",
  "where",
  "whether",
  "then",
  // articles, determiners, possessives
  "the",
  "a",
  "an",
  "my",
  "your",
  "his",
  "her",
  "our",
  "their",
  "its",
  "this",
  "these",
  "those",
  "some",
  "any",
  "every",
  "each",
  // prepositions
  "to",
  "of",
  "in",
  "on",
  "at",
  "for",
  "with",
  "from",
  "by",
  "about",
  "into",
  "onto",
  "over",
  "under",
  "between",
  "like",
  "as",
  "than",
  // auxiliaries and subject pronouns waiting for their verb
  "is",
  "are",
  "was",
  "were",
  "am",
  "be",
  "been",
  "have",
  "has",
  "had",
  "do",
  "does",
  "did",
  "can",
  "could",
  "will",
  "would",
  "should",
  "must",
  "may",
  "might",
  "shall",
  "i",
  "we",
  "they",
  "he",
  "she",
  "i'm",
  "it's",
  "i'd",
  "i'll",
  // hesitations
  "um",
  "uh",
  "er",
  "erm",
  "hmm",
  "mm",
  "uhm",
]);

export function sentenceCompleteness(text: string, language: string | undefined): Completeness {
  const t = text.trim();
  if (!t) return "unsure";
  // A trailing ellipsis, comma or dash is a sentence left hanging, in any language.
  if (/(\.\.\.|…|[,;:\-–—，、；：])$/.test(t)) return "unfinished";
  if (language !== undefined && language !== "en") return /[?!？！。]$/.test(t) ? "finished" : "unsure";
  const words = t.toLowerCase().match(/[a-z']+/g) ?? [];
  const last = words.at(-1);
  if (last !== undefined && CANNOT_END.has(last)) return "unfinished";
  if (/[?!]$/.test(t)) return "finished";
  if (/\.$/.test(t) && words.length >= 2) return "finished";
  return "unsure";
}
