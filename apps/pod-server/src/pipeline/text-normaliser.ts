/**
 * Text front end for TTS models that read text as written (FireRedTTS2 has none of its own):
 * typographic marks mapped, English numbers, currency, percentages and units expanded, and long
 * text split (English over 80 words, Chinese over 150 characters) at the best boundary.
 */

const ONES = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const SCALES: [number, string][] = [
  [1e12, "trillion"],
  [1e9, "billion"],
  [1e6, "million"],
  [1e3, "thousand"],
];

export function numberToWords(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 0) return `minus ${numberToWords(-n)}`;
  if (!Number.isInteger(n)) {
    const [int, frac] = String(n).split(".");
    return `${numberToWords(Number(int))} point ${[...frac!].map((d) => ONES[Number(d)]).join(" ")}`;
  }
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]}` : "");
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` ${numberToWords(n % 100)}` : ""}`;
  for (const [value, name] of SCALES) {
    if (n >= value) return `${numberToWords(Math.floor(n / value))} ${name}${n % value ? ` ${numberToWords(n % value)}` : ""}`;
  }
  return String(n);
}

const ORDINAL_FIX: Record<string, string> = {
  one: "first",
  two: "second",
  three: "third",
  five: "fifth",
  eight: "eighth",
  nine: "ninth",
  twelve: "twelfth",
};
function ordinal(n: number): string {
  const words = numberToWords(n);
  const m = /([a-z]+)$/.exec(words)!;
  const last = m[1]!;
  const fixed = ORDINAL_FIX[last] ?? (last.endsWith("y") ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return words.slice(0, m.index) + fixed;
}

const UNITS: Record<string, [string, string]> = {
  km: ["kilometre", "kilometres"],
  m: ["metre", "metres"],
  cm: ["centimetre", "centimetres"],
  mm: ["millimetre", "millimetres"],
  kg: ["kilogram", "kilograms"],
  g: ["gram", "grams"],
  mph: ["mile per hour", "miles per hour"],
  "km/h": ["kilometre per hour", "kilometres per hour"],
  "°C": ["degree Celsius", "degrees Celsius"],
  "°F": ["degree Fahrenheit", "degrees Fahrenheit"],
  GB: ["gigabyte", "gigabytes"],
  MB: ["megabyte", "megabytes"],
  ms: ["millisecond", "milliseconds"],
  s: ["second", "seconds"],
  h: ["hour", "hours"],
};

const isChinese = (lang: string) => lang.startsWith("zh");

export function normaliseForSpeech(text: string, lang = "en"): string {
  let t = text
    .replace(/[\u2018\u2019\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201f\u2033]/g, '"')
    .replace(/\s*[\u2014\u2013]\s*/g, ", ")
    .replace(/\u2026/g, "...")
    .replace(/\u00a0/g, " ");
  if (isChinese(lang)) return t.replace(/\s+/g, " ").trim();
  t = t
    .replace(
      /\$(\d+(?:\.\d+)?)(?:\s+(million|billion|thousand))?/g,
      (_, n: string, scale?: string) => `${numberToWords(Number(n))}${scale ? ` ${scale}` : ""} dollars`,
    )
    .replace(/€(\d+(?:\.\d+)?)/g, (_, n: string) => `${numberToWords(Number(n))} euros`)
    .replace(/£(\d+(?:\.\d+)?)/g, (_, n: string) => `${numberToWords(Number(n))} pounds`)
    .replace(/(\d+(?:\.\d+)?)\s?%/g, (_, n: string) => `${numberToWords(Number(n))} percent`)
    .replace(/\b(\d+)(st|nd|rd|th)\b/g, (_, n: string) => ordinal(Number(n)))
    .replace(/(\d+(?:\.\d+)?)\s?(km\/h|°C|°F|km|cm|mm|kg|mph|GB|MB|ms|m|g|s|h)\b/g, (_, n: string, u: string) => {
      const [one, many] = UNITS[u]!;
      return `${numberToWords(Number(n))} ${Number(n) === 1 ? one : many}`;
    })
    .replace(/(\d+(?:\.\d+)?)\s?(°C|°F)/g, (_, n: string, u: string) => `${numberToWords(Number(n))} ${UNITS[u]![1]}`)
    .replace(/\b(\d{1,3}(?:,\d{3})+)\b/g, (m) => m.replace(/,/g, ""))
    .replace(/\b\d+(?:\.\d+)?\b/g, (n) => numberToWords(Number(n)))
    .replace(/&/g, " and ")
    .replace(/\s+/g, " ");
  return t.trim();
}

/** Splits text so no piece exceeds the model's comfortable length, preferring sentence ends, then commas. */
export function splitForSpeech(text: string, lang = "en"): string[] {
  const zh = isChinese(lang);
  const size = (s: string) => (zh ? [...s.replace(/\s/g, "")].length : s.split(/\s+/).filter(Boolean).length);
  const limit = zh ? 150 : 80;
  if (size(text) <= limit) return [text];
  const sentences = text.match(zh ? /[^。！？!?]+[。！？!?]*/g : /[^.!?]+[.!?]*\s*/g) ?? [text];
  const out: string[] = [];
  let cur = "";
  const push = (piece: string) => {
    if (size(cur + piece) > limit && cur) {
      out.push(cur.trim());
      cur = "";
    }
    cur += piece;
  };
  for (const s of sentences) {
    if (size(s) <= limit) push(s);
    else
      for (const part of s.match(zh ? /[^，,；;]+[，,；;]*/g : /[^,;]+[,;]*\s*/g) ?? [s]) {
        if (size(part) <= limit) push(part);
        else {
          // A clause with no breaks at all: cut by length.
          const units = zh ? [...part] : part.split(/(\s+)/);
          for (const u of units) push(u);
        }
      }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
