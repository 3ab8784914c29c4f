/**
 * Text → IPA phonemes with the espeak-ng program, as Piper voices were trained on. Each clause is
 * phonemised separately so its punctuation can be kept: Piper voices use it for prosody.
 *
 * One espeak-ng process per voice stays running and reads clauses from stdin: it answers a line
 * within a millisecond, where starting the program for each clause cost ~40 ms on a busy two-core
 * pod — paid before every reply's first piece. A marker line follows each clause, and its known
 * phonemes end that clause's answer (a clause may come back as several lines, or none).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { EngineError } from "../types.js";

/** A made-up word whose phonemes mark the end of each answer (removed from what is read aloud). */
const MARKER = "zqzq";
const MARKER_WORD = new RegExp(`\\b${MARKER}\\b`, "gi");
/** espeak-ng answers in a millisecond; this long means it hangs. */
const ANSWER_TIMEOUT_MS = 10_000;

/** Splits text into clauses, each with the punctuation that ended it. */
export function splitClauses(text: string): { text: string; punct: string }[] {
  const out: { text: string; punct: string }[] = [];
  const re = /([^,.;:!?]+)([,.;:!?]*)/g;
  for (const m of text.matchAll(re)) {
    const body = m[1]!.trim();
    if (body) out.push({ text: body, punct: (m[2] ?? "").slice(0, 1) });
  }
  return out;
}

export interface Phonemizer {
  phonemize(text: string): Promise<string>;
  close(): void;
  /** Kills the running espeak-ng as a crash would. */
  crashForTest(): void;
}

interface Proc {
  child: ChildProcessWithoutNullStreams;
  /** The marker's own phonemes, learnt when the process starts. */
  marker: Promise<string>;
  /** Lines read and not yet claimed, and whoever waits for the next one. */
  lines: string[];
  waiting: ((line: string | null) => void) | null;
  gone: string | null;
}

/** A running espeak-ng for `voice`, started at the first clause and again after it dies. */
export function createPhonemizer(voice: string, binary = "espeak-ng"): Phonemizer {
  let proc: Proc | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const start = (): Proc => {
    const child = spawn(binary, ["-q", "--ipa", "-v", voice], { stdio: ["pipe", "pipe", "pipe"] });
    const p: Proc = { child, marker: Promise.resolve(""), lines: [], waiting: null, gone: null };
    const end = (why: string) => {
      if (p.gone) return;
      p.gone = why;
      if (proc === p) proc = null;
      p.waiting?.(null);
    };
    createInterface({ input: child.stdout }).on("line", (line) => {
      const l = line.trim();
      if (!l) return;
      if (p.waiting) {
        const w = p.waiting;
        p.waiting = null;
        w(l);
      } else p.lines.push(l);
    });
    child.stderr.resume();
    child.on("error", (err) => end(`espeak-ng failed (is it installed?): ${err.message}`));
    child.on("exit", (code, signal) => end(`espeak-ng stopped (${signal ?? `exit code ${code}`})`));
    child.stdin.on("error", () => {}); // a write after it died: "exit" says why
    // An idle phonemizer does not keep the pod's process alive (a waiting answer has its timer).
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    child.stdin.write(`${MARKER}\n`);
    p.marker = nextLine(p);
    return p;
  };

  const nextLine = (p: Proc) =>
    new Promise<string>((resolve, reject) => {
      if (p.lines.length) return resolve(p.lines.shift()!);
      if (p.gone) return reject(new EngineError("tts", p.gone));
      const timer = setTimeout(() => {
        p.waiting = null;
        p.child.kill("SIGKILL");
        reject(new EngineError("tts", "espeak-ng did not answer"));
      }, ANSWER_TIMEOUT_MS);
      p.waiting = (line) => {
        clearTimeout(timer);
        if (line === null) reject(new EngineError("tts", p.gone ?? "espeak-ng stopped"));
        else resolve(line);
      };
    });

  const clause = async (text: string): Promise<string> => {
    if (!proc) proc = start();
    const p = proc;
    const marker = await p.marker;
    p.child.stdin.write(`${text}\n${MARKER}\n`);
    const out: string[] = [];
    for (let line = await nextLine(p); line !== marker; line = await nextLine(p)) out.push(line);
    return out.join(" ");
  };

  return {
    phonemize(text) {
      // One text at a time: each process answers in order.
      const run = chain.then(async () => {
        const parts: string[] = [];
        for (const c of splitClauses(text)) {
          const words = c.text
            .replace(/[\r\n]+/g, " ")
            .replace(MARKER_WORD, " ")
            .trim();
          parts.push((words ? await clause(words) : "") + c.punct);
        }
        // Piper's phonemizer emits NFD code points; its id map is keyed by those.
        return parts.join(" ").normalize("NFD");
      });
      chain = run.catch(() => {});
      return run;
    },
    close() {
      proc?.child.kill();
      proc = null;
    },
    crashForTest: () => void proc?.child.kill("SIGKILL"),
  };
}
