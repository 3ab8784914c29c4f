/**
 * Starts, supervises and talks to the Python FireRedTTS2 worker (workers/fireredtts2) over its
 * stdio framing. A worker that exits, stops beating or stalls mid-request is killed and restarted;
 * the request in flight fails with a typed EngineError and the sessions stay open.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EngineError, type SynthesisContext } from "../types.js";

const KIND_JSON = 1;
const KIND_AUDIO = 2;

export interface WorkerOptions {
  python: string;
  /** Arguments after `-m fireside_tts_worker`. */
  args: string[];
  /** No heartbeat for this long: the worker is frozen. */
  heartbeatTimeoutMs: number;
  /** No audio or end for this long during a request: generation hung. */
  stallTimeoutMs: number;
  /** Loading a 9 GB model takes a while. */
  startTimeoutMs: number;
  log: (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
}

type Event = { ev: string; id?: number; code?: string; message?: string; voice?: string; [k: string]: unknown };

/** What the worker holds: registered voices, how often a prompt was prepared, turns per context. */
export interface WorkerStats {
  voices: string[];
  prepareCalls: number;
  contexts: Record<string, number>;
}

interface Pending {
  onAudio: (pcm: Int16Array) => void;
  onEnd: (err: Error | null, cancelled: boolean) => void;
  lastProgress: number;
  /** The worker began streaming it; before that it waits for a slot or for its context's previous turn. */
  started: boolean;
}

export const WORKER_DIR = fileURLToPath(new URL("../../../workers/fireredtts2/", import.meta.url));

export class FireRedWorker {
  private proc: ChildProcess | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private lastBeat = 0;
  private pending = new Map<number, Pending>();
  private voices = new Map<string, { audioPath: string; transcript: string }>();
  private voiceWaiters = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private statsWaiters: ((s: WorkerStats) => void)[] = [];
  private nextId = 1;
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private closing = false;
  restarts = 0;
  /** From the worker's `ready`: maxStreams is how many syntheses it streams at once (batched). */
  info: { model: string; device: string; maxStreams: number } = { model: "fireredtts2", device: "cuda", maxStreams: 1 };

  constructor(private readonly opts: WorkerOptions) {}

  async start(): Promise<void> {
    await this.spawn();
    this.watchdog = setInterval(() => this.check(), 500);
    this.watchdog.unref();
  }

  registerVoice(voice: string, audioPath: string, transcript: string): Promise<void> {
    this.voices.set(voice, { audioPath, transcript });
    return new Promise((resolve, reject) => {
      this.voiceWaiters.set(voice, { resolve, reject });
      this.send({ op: "voice", voice, audioPath, transcript });
    });
  }

  stats(): Promise<WorkerStats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.send({ op: "stats" });
    });
  }

  /** Forgets a context's earlier turns (a finished dialogue, a closed session). */
  endContext(context: string): void {
    this.send({ op: "end_context", context });
  }

  /**
   * Streams one text's audio (24 kHz PCM16 chunks); `signal` cancels between chunks. With a
   * context, a worker on the dialogue checkpoint conditions on that context's earlier turns.
   */
  async *synthesize(text: string, voice: string | null, signal: AbortSignal, context?: SynthesisContext): AsyncIterable<Int16Array> {
    const id = this.nextId++;
    const chunks: Int16Array[] = [];
    let done: { err: Error | null } | null = null;
    let wake: (() => void) | null = null;
    const poke = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    this.pending.set(id, {
      lastProgress: Date.now(),
      started: false,
      onAudio: (pcm) => {
        chunks.push(pcm);
        poke();
      },
      onEnd: (err) => {
        done = { err };
        poke();
      },
    });
    const onAbort = () => this.send({ op: "cancel", id });
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      this.send({ op: "synthesize", id, text, voice, ...(context ? { context: context.id, speaker: context.speaker ?? "S1" } : {}) });
      for (;;) {
        const next = chunks.shift();
        if (next) {
          if (!signal.aborted) yield next;
          continue;
        }
        const end = done as { err: Error | null } | null;
        if (end) {
          if (end.err && !signal.aborted) throw end.err;
          return;
        }
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (!done) this.send({ op: "cancel", id });
      this.pending.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.watchdog) clearInterval(this.watchdog);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    this.send({ op: "shutdown" });
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill("SIGKILL"), 3000);
      const giveUp = setTimeout(resolve, 4000); // never hang shutdown on a wedged process
      proc.once("exit", () => {
        clearTimeout(kill);
        clearTimeout(giveUp);
        resolve();
      });
    });
  }

  /** Kills the worker (for tests of supervision, and by the watchdog). */
  kill(reason: string): void {
    this.opts.log("warn", "killing the FireRedTTS2 worker", { reason });
    this.proc?.kill("SIGKILL");
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private spawn(): Promise<void> {
    this.buffer = Buffer.alloc(0);
    const proc = spawn(this.opts.python, ["-m", "fireside_tts_worker", ...this.opts.args], {
      cwd: WORKER_DIR,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    this.proc = proc;
    this.lastBeat = Date.now();
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    proc.stdout!.on("data", (d: Buffer) => this.onData(d));
    proc.stdin!.on("error", () => {}); // a dead worker's pipe; the exit handler reports it
    proc.on("exit", (code, sig) => this.onExit(proc, code, sig, stderr));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.readyWaiter = null;
        proc.kill("SIGKILL");
        reject(new EngineError("tts", `FireRedTTS2 worker not ready after ${this.opts.startTimeoutMs} ms`));
      }, this.opts.startTimeoutMs);
      this.readyWaiter = {
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
    });
  }

  private onExit(proc: ChildProcess, code: number | null, sig: NodeJS.Signals | null, stderr: string): void {
    if (proc !== this.proc) return;
    const why = `FireRedTTS2 worker exited (${sig ?? `code ${code}`})${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}`;
    this.readyWaiter?.reject(new EngineError("tts", why));
    this.readyWaiter = null;
    for (const p of this.pending.values())
      p.onEnd(new EngineError("tts", `${why}; the turn's speech was lost and the worker is restarting`), false);
    this.pending.clear();
    for (const w of this.voiceWaiters.values()) w.reject(new EngineError("tts", why));
    this.voiceWaiters.clear();
    if (this.closing) return;
    this.restarts++;
    this.opts.log("error", "FireRedTTS2 worker died; restarting", { code, signal: sig, restarts: this.restarts });
    const delay = Math.min(30_000, 500 * 2 ** Math.min(6, this.restarts - 1));
    setTimeout(() => {
      if (this.closing) return;
      this.spawn().then(
        () => {
          // Voices live in the worker's memory: register them again.
          for (const [voice, v] of this.voices) this.send({ op: "voice", voice, ...v });
        },
        (err: Error) => this.opts.log("error", "FireRedTTS2 worker restart failed", { error: err.message }),
      );
    }, delay).unref();
  }

  private check(): void {
    const now = Date.now();
    if (this.proc && this.proc.exitCode === null && !this.readyWaiter && now - this.lastBeat > this.opts.heartbeatTimeoutMs) {
      this.kill(`no heartbeat for ${now - this.lastBeat} ms`);
      return;
    }
    for (const p of this.pending.values()) {
      // Only a request the worker is streaming can stall; a waiting one is behind others that are.
      if (p.started && now - p.lastProgress > this.opts.stallTimeoutMs) {
        this.kill(`no audio for ${now - p.lastProgress} ms during a request`);
        return;
      }
    }
  }

  private send(msg: Record<string, unknown>): void {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || !proc.stdin!.writable) return;
    const body = Buffer.from(JSON.stringify(msg), "utf8");
    const head = Buffer.alloc(5);
    head.writeUInt32LE(body.length + 1, 0);
    head.writeUInt8(KIND_JSON, 4);
    proc.stdin!.write(Buffer.concat([head, body]));
  }

  private onData(d: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
    for (;;) {
      if (this.buffer.length < 5) return;
      const len = this.buffer.readUInt32LE(0);
      if (this.buffer.length < 4 + len) return;
      const kind = this.buffer.readUInt8(4);
      const payload = this.buffer.subarray(5, 4 + len);
      this.buffer = this.buffer.subarray(4 + len);
      this.lastBeat = Date.now();
      if (kind === KIND_AUDIO) {
        const id = payload.readUInt32LE(0);
        const p = this.pending.get(id);
        if (!p) continue;
        p.lastProgress = Date.now();
        const bytes = payload.subarray(4);
        p.onAudio(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
      } else if (kind === KIND_JSON) {
        this.onEvent(JSON.parse(payload.toString("utf8")) as Event);
      }
    }
  }

  private onEvent(e: Event): void {
    switch (e.ev) {
      case "ready":
        this.info = { model: String(e.model), device: String(e.device), maxStreams: Math.max(1, Number(e.maxStreams) || 1) };
        this.readyWaiter?.resolve();
        this.readyWaiter = null;
        break;
      case "voice_ready":
        this.voiceWaiters.get(String(e.voice))?.resolve();
        this.voiceWaiters.delete(String(e.voice));
        break;
      case "started":
        if (e.id !== undefined) {
          const p = this.pending.get(e.id);
          if (p) {
            p.started = true;
            p.lastProgress = Date.now();
          }
        }
        break;
      case "done":
        this.pending.get(e.id!)?.onEnd(null, Boolean(e.cancelled));
        break;
      case "error":
        if (e.voice !== undefined && e.id === undefined) {
          this.voiceWaiters.get(String(e.voice))?.reject(new EngineError("tts", `voice ${e.voice}: ${e.message}`));
          this.voiceWaiters.delete(String(e.voice));
        } else if (e.id !== undefined) this.pending.get(e.id)?.onEnd(new EngineError("tts", `${e.code}: ${e.message}`), false);
        else this.opts.log("warn", "FireRedTTS2 worker reported an error", e);
        break;
      case "stats":
        this.statsWaiters.shift()?.(e as unknown as WorkerStats);
        break;
      default:
        break; // heartbeat, pong
    }
  }
}
