/**
 * Whisper through whisper.cpp (@napi-rs/whisper), run in a child process. The same ggml models
 * run on the pod's GPU build; only the device changes.
 *
 * One transcription runs at a time, the rest wait here in order. whisper.cpp cannot stop
 * mid-utterance, and on a small CPU a guess over a long utterance (a pause, then the speaker went
 * on) would hold the cores for a second while the real turn waits. So an aborted transcription
 * that still has longer to run than a fresh process takes to load the model is killed, and the
 * fresh one takes over — unless other transcriptions wait (a reload would delay them all); a
 * nearly done one, or one with others behind it, is left to finish, its result dropped.
 */
import type { ChildProcess } from "node:child_process";
import { forkModule } from "../child-process.js";
import { type AsrEngine, EngineError, type Transcript } from "../types.js";
import { siblingModule } from "../worker-thread.js";
import { whisperEncoderContext } from "./decode-budget.js";
import type { AsrReply, AsrRequest } from "./whisper-cpp-worker.js";

export interface WhisperCppOptions {
  modelPath: string;
  modelName: string;
  threads: number;
  /** Re-transcribe growing audio for partial transcripts (costly on small CPUs). */
  partials: boolean;
  /** Shrink the encoder context to the utterance length (faster on CPU, slightly less accurate). */
  fitContext: boolean;
  /** Linux nice value for the process (the pod's event loop runs first); 0 leaves it. */
  nice?: number;
}

interface Job {
  id: number;
  audio: Float32Array;
  language?: string;
  resolve: (t: Transcript) => void;
  reject: (e: Error) => void;
  /** When the process got it (running). */
  startedAt?: number;
  /** Aborted while running and left to finish: nobody waits for its result. */
  abandoned?: boolean;
  /** Its time teaches the estimate (not the warm-up: whisper.cpp skips silence in a few ms). */
  timed: boolean;
}

interface Proc {
  child: ChildProcess;
  ready: boolean;
  /** Killed on purpose (an aborted transcription, or close): its exit is not a crash. */
  killed: boolean;
}

export interface WhisperCppEngine extends AsrEngine {
  /** Processes that died on their own (not killed for an abort) and were replaced. */
  restarts(): number;
  /** Running transcriptions stopped by killing the process. */
  killed(): number;
  crashForTest(): void;
}

export async function createWhisperCpp(opts: WhisperCppOptions): Promise<WhisperCppEngine> {
  const url = siblingModule("whisper-cpp-worker", import.meta.url);
  const queue: Job[] = [];
  let running: Job | null = null;
  let proc: Proc | null = null;
  let nextId = 0;
  let restarts = 0;
  let killed = 0;
  let closing = false;
  // Learnt as it runs: how long a process takes to load, and transcription time per encoder
  // position (the encoder dominates on a CPU), to tell whether a running job is worth killing.
  let loadMs = 0;
  let msPerPosition: number | null = null;
  const positions = (job: Job) => (opts.fitContext ? whisperEncoderContext(job.audio.length) : 1500);

  const spawn = (): Proc => {
    const spawnedAt = Date.now();
    const p: Proc = {
      child: forkModule(url, [opts.modelPath, String(opts.threads), opts.fitContext ? "1" : "0", String(opts.nice ?? 0)]),
      ready: false,
      killed: false,
    };
    p.child.on("message", (reply: AsrReply) => {
      if (p !== proc) return;
      if ("ready" in reply) {
        p.ready = true;
        loadMs = Date.now() - spawnedAt;
        return pump();
      }
      const job = running;
      if (!job || job.id !== reply.id) return;
      running = null;
      if (job.timed) {
        const perPosition = (Date.now() - job.startedAt!) / positions(job);
        msPerPosition = msPerPosition === null ? perPosition : 0.7 * msPerPosition + 0.3 * perPosition;
      }
      // An abandoned job was rejected when it was aborted.
      if (!job.abandoned) {
        if ("error" in reply) job.reject(new EngineError("asr", reply.error));
        else job.resolve({ text: reply.text, language: reply.language });
      }
      pump();
    });
    // "exit" follows "error" when a process dies; a failed spawn emits only "error".
    let gone = false;
    const died = (why: string) => {
      if (gone) return;
      gone = true;
      if (p !== proc) return;
      proc = null;
      if (p.killed || closing) return;
      restarts++;
      // What it held fails (loading failed: the first waiting job, so a broken model cannot loop).
      const lost = running ?? (p.ready ? null : queue.shift());
      running = null;
      if (!lost?.abandoned) lost?.reject(new EngineError("asr", `whisper process stopped (${why}); restarting`));
      if (p.ready) proc = spawn(); // it had loaded once: replace it now, so the next turn need not wait
      pump();
    };
    p.child.on("error", (err) => died(err.message));
    p.child.on("exit", (code, signal) => died(signal ? `signal ${signal}` : `exit code ${code}`));
    return p;
  };

  /** Starts the next job when the process is ready and idle; starts a process when one is needed. */
  const pump = () => {
    if (closing || running || queue.length === 0) return;
    if (!proc) proc = spawn();
    if (!proc.ready) return;
    const job = queue.shift()!;
    running = job;
    job.startedAt = Date.now();
    proc.child.send({ id: job.id, audio: job.audio, ...(job.language ? { language: job.language } : {}) } satisfies AsrRequest);
  };

  const kill = (p: Proc) => {
    p.killed = true;
    p.child.kill("SIGKILL");
    if (proc === p) proc = null;
  };

  const request = (audio: Float32Array, language?: string, signal?: AbortSignal, timed = true) =>
    new Promise<Transcript>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
      const job: Job = { id: nextId++, audio, resolve, reject, timed, ...(language ? { language } : {}) };
      signal?.addEventListener(
        "abort",
        () => {
          const why = signal.reason ?? new Error("aborted");
          if (running === job) {
            job.reject(why);
            // No estimate yet (the first real turn): kill, which costs at most a reload.
            const left = msPerPosition === null ? Number.POSITIVE_INFINITY : msPerPosition * positions(job) - (Date.now() - job.startedAt!);
            // Others waiting (several conversations): a reload would hold them all up, and its CPU
            // competes with theirs; the process goes on to serve them once this one is done.
            if (left <= loadMs || queue.length > 0 || !proc) {
              job.abandoned = true;
              return;
            }
            running = null;
            killed++;
            kill(proc);
            // A fresh process loads now (the speaker is still talking), ready for the next guess.
            if (!closing) proc = spawn();
            pump();
          } else {
            const at = queue.indexOf(job);
            if (at >= 0) {
              queue.splice(at, 1);
              job.reject(why);
            }
          }
        },
        { once: true },
      );
      queue.push(job);
      pump();
    });

  // Warm-up: loads the model and proves the process runs before the server reports ready.
  await request(new Float32Array(16000), "en", undefined, false);
  return {
    info: { name: "whisper-cpp", model: opts.modelName, device: "cpu" },
    sampleRate: 16000,
    supportsPartials: opts.partials,
    transcribe: (audio, { language, signal }) => request(audio, language, signal),
    restarts: () => restarts,
    killed: () => killed,
    crashForTest: () => void proc?.child.kill("SIGKILL"),
    async close() {
      closing = true;
      for (const job of [...queue, ...(running && !running.abandoned ? [running] : [])])
        job.reject(new EngineError("asr", "the pod is shutting down"));
      queue.length = 0;
      running = null;
      const p = proc;
      if (!p) return;
      const exited = new Promise<void>((r) =>
        p.child.exitCode !== null || p.child.signalCode !== null ? r() : p.child.once("exit", () => r()),
      );
      kill(p);
      await exited;
    },
  };
}
