/**
 * Multi-speaker dialogue scripts: the plain-text form (`[S1] text` per line, as FireRedTTS2 and
 * podcast tools write them) and the JSON the studio API takes. Shared by the pod and the app.
 */
import { z } from "zod";

export const SPEAKERS = ["S1", "S2", "S3", "S4"] as const;
export type Speaker = (typeof SPEAKERS)[number];

export const dialogueLineSchema = z.object({ speaker: z.enum(SPEAKERS), text: z.string().trim().min(1).max(2000) });
export type DialogueLine = z.infer<typeof dialogueLineSchema>;

export const dialogueRequestSchema = z
  .object({
    lines: z.array(dialogueLineSchema).min(1).max(500),
    /** Voice (profile or preset id) per speaker used in `lines`. */
    voices: z.partialRecord(z.enum(SPEAKERS), z.string().min(1).max(128)),
    language: z.string().min(2).max(8).default("en"),
  })
  .refine((r) => r.lines.every((l) => r.voices[l.speaker]), { message: "every speaker in lines needs a voice", path: ["voices"] });
export type DialogueRequest = z.infer<typeof dialogueRequestSchema>;

export class ScriptError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "ScriptError";
  }
}

/** Parses `[S1] Hello there.` lines; blank lines are skipped, anything else is an error with its line number. */
export function parseDialogueScript(text: string): DialogueLine[] {
  const out: DialogueLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^\[(S[1-4])\]\s*(.+)$/.exec(line);
    if (!m) throw new ScriptError(i + 1, `expected "[S1] text" … "[S4] text", got "${line.slice(0, 40)}"`);
    out.push({ speaker: m[1] as Speaker, text: m[2]!.trim() });
  });
  return out;
}

export const formatDialogueScript = (lines: readonly DialogueLine[]): string =>
  `${lines.map((l) => `[${l.speaker}] ${l.text}`).join("\n")}\n`;
