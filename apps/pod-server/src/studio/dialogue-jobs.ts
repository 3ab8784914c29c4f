/**
 * Dialogue rendering jobs: a script of lines with a voice per speaker becomes one 24 kHz WAV plus
 * per-line timings. Jobs live in the database and run on the server, one at a time, behind live
 * conversation (studio priority on the GPU scheduler): a client may disconnect and poll later; a
 * server restart re-queues unfinished jobs. Results stay in the blob store until deleted.
 */
import { randomUUID } from "node:crypto";
import { concatFloat32, Resampler, writeWav } from "@fireside/audio";
import {
  type DialogueEvent,
  type DialogueJob,
  type DialogueJobStatus,
  type DialogueRequest,
  type LineTiming,
  ProtocolError,
} from "@fireside/protocol";
import type { TtsEngine } from "../engines/types.js";
import type { Broadcast } from "../fleet/broadcast.js";
import type { Blobs } from "../store/blobs.js";
import type { Sql } from "../store/sql.js";
import type { DialogueQueue, RenderOutcome } from "./dialogue-queue.js";

/** Jobs queued or rendering at once: each is minutes of TTS, and a token holder must not queue thousands. */
export const MAX_WAITING_JOBS = 20;

export const DIALOGUE_RATE = 24000;
/** Pause between lines, as in a conversation. */
const GAP_MS = 250;

interface Row {
  id: string;
  status: DialogueJobStatus;
  script_json: string;
  progress: number;
  result_file: string | null;
  timings_json: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const toJob = (r: Row): DialogueJob => ({
  id: r.id,
  status: r.status,
  progress: r.progress,
  lines: (JSON.parse(r.script_json) as DialogueRequest).lines.length,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface DialogueJobsDeps {
  sql: Sql;
  blobs: Blobs;
  tts: () => TtsEngine | null;
  /** Known voice ids (profiles and presets), to refuse unknown ones at submit time; makes a known one ready to speak. */
  voiceExists: (id: string) => Promise<boolean>;
  /** Which pod renders which job (dialogue-queue.ts). */
  queue: DialogueQueue;
  /** In a fleet: every job change reaches every pod's events sockets. */
  broadcast?: Broadcast<DialogueEvent>;
}

export class DialogueJobs {
  private readonly listeners = new Set<(event: DialogueEvent) => void>();
  private running: { id: string; abort: AbortController } | null = null;
  private stopping = false;
  private readonly sql: Sql;
  private readonly blobs: Blobs;

  constructor(private readonly deps: DialogueJobsDeps) {
    this.sql = deps.sql;
    this.blobs = deps.blobs;
    deps.broadcast?.subscribe((event) => this.deliver(event));
  }

  /** The job this pod is rendering now, if any. */
  get rendering(): string | null {
    return this.running?.id ?? null;
  }

  /** Starts taking jobs from the queue (call once engines are loaded). */
  async start(): Promise<void> {
    await this.deps.queue.start((id) => this.render(id));
  }

  /** Stops rendering: the job in progress goes back to the queue, for this pod's next start or another pod. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running?.abort.abort();
    await this.deps.queue.stop();
  }

  async submit(req: DialogueRequest): Promise<DialogueJob> {
    const { n: waiting } = (await this.sql.get<{ n: number }>(
      "SELECT CAST(COUNT(*) AS INTEGER) AS n FROM dialogue_jobs WHERE status IN ('queued', 'running')",
    ))!;
    if (waiting >= MAX_WAITING_JOBS) {
      throw new ProtocolError(
        "E_BUSY",
        `${waiting} dialogues are already queued or rendering (at most ${MAX_WAITING_JOBS}); try again when one is done`,
      );
    }
    for (const [speaker, voice] of Object.entries(req.voices)) {
      if (voice && !(await this.deps.voiceExists(voice)))
        throw new ProtocolError("E_BAD_REQUEST", `voice ${voice} for ${speaker} does not exist`);
    }
    const id = `job_${randomUUID().slice(0, 12)}`;
    const now = new Date().toISOString();
    await this.sql.run(
      "INSERT INTO dialogue_jobs (id, status, script_json, progress, created_at, updated_at) VALUES (?, 'queued', ?, 0, ?, ?)",
      [id, JSON.stringify(req), now, now],
    );
    const job = await this.get(id);
    this.emit({ type: "dialogue.job", job });
    await this.deps.queue.enqueue(id);
    return job;
  }

  /** Every change of every job, as the events WebSocket sends them; returns the unsubscribe. */
  subscribe(listener: (event: DialogueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: DialogueEvent): void {
    if (this.deps.broadcast) this.deps.broadcast.publish(event);
    else this.deliver(event);
  }

  private deliver(event: DialogueEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a subscriber's failure must never stop a render
      }
    }
  }

  async get(id: string): Promise<DialogueJob> {
    return toJob(await this.row(id));
  }

  async list(): Promise<DialogueJob[]> {
    return (await this.sql.all<Row>("SELECT * FROM dialogue_jobs ORDER BY created_at")).map(toJob);
  }

  async timings(id: string): Promise<LineTiming[]> {
    const r = await this.row(id);
    if (r.status !== "done" || !r.timings_json) throw new ProtocolError("E_NOT_FOUND", `job ${id} has no result (status ${r.status})`);
    return JSON.parse(r.timings_json);
  }

  /** The rendered dialogue as WAV bytes. */
  async result(id: string): Promise<Uint8Array> {
    const r = await this.row(id);
    const bytes = r.status === "done" && r.result_file ? await this.blobs.get(r.result_file) : null;
    if (!bytes) throw new ProtocolError("E_NOT_FOUND", `job ${id} has no result (status ${r.status})`);
    return bytes;
  }

  async cancel(id: string): Promise<DialogueJob> {
    await this.row(id); // E_NOT_FOUND
    if (await this.setStatus(id, "cancelled", {}, ["queued", "running"])) {
      if (this.running?.id === id) this.running.abort.abort();
    }
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.cancel(id);
    const r = await this.row(id);
    if (r.result_file) await this.blobs.delete(r.result_file);
    await this.sql.run("DELETE FROM dialogue_jobs WHERE id = ?", [id]);
    await this.sql.eraseDeleted();
    this.emit({ type: "dialogue.removed", id });
  }

  private async row(id: string): Promise<Row> {
    const r = await this.sql.get<Row>("SELECT * FROM dialogue_jobs WHERE id = ?", [id]);
    if (!r) throw new ProtocolError("E_NOT_FOUND", `no dialogue job ${id}`);
    return r;
  }

  /**
   * Sets a job's status, only from one of the `from` statuses when given: a renderer writes only
   * while its job is running, so a cancel through another pod of the fleet is never overwritten, and
   * a cancel never lands on a job that has just finished. Says whether it changed.
   */
  private async setStatus(
    id: string,
    status: DialogueJobStatus,
    extra: { progress?: number; error?: string; result?: string; timings?: LineTiming[] } = {},
    from: DialogueJobStatus[] = [],
  ): Promise<boolean> {
    // CASTs: PostgreSQL must know a parameter's type where it may be NULL.
    const changed = await this.sql.run(
      `UPDATE dialogue_jobs SET status = ?, progress = COALESCE(CAST(? AS DOUBLE PRECISION), progress), error = COALESCE(CAST(? AS TEXT), error), result_file = COALESCE(CAST(? AS TEXT), result_file), timings_json = COALESCE(CAST(? AS TEXT), timings_json), updated_at = ? WHERE id = ?${from.length ? ` AND status IN (${from.map(() => "?").join(", ")})` : ""}`,
      [
        status,
        extra.progress ?? null,
        extra.error ?? null,
        extra.result ?? null,
        extra.timings ? JSON.stringify(extra.timings) : null,
        new Date().toISOString(),
        id,
        ...from,
      ],
    );
    if (changed) this.emit({ type: "dialogue.job", job: await this.get(id) });
    return changed > 0;
  }

  /**
   * Renders one job the queue handed this pod: "settled" once it is done, failed or cancelled (or
   * was already), "released" when this pod stopped first — the job is queued again, from the top.
   */
  private async render(id: string): Promise<RenderOutcome> {
    const tts = this.deps.tts();
    if (!tts || this.stopping) return "released";
    const found = await this.sql.get<Row>("SELECT * FROM dialogue_jobs WHERE id = ?", [id]);
    // Queued, or left running by a pod that died; anything else (deleted, cancelled, done) is settled.
    if (!found || (found.status !== "queued" && found.status !== "running")) return "settled";
    const claimed = await this.sql.run(
      "UPDATE dialogue_jobs SET status = 'running', progress = 0, updated_at = ? WHERE id = ? AND status = ?",
      [new Date().toISOString(), id, found.status],
    );
    if (!claimed) return "settled"; // changed meanwhile (cancelled through another pod)
    const req = JSON.parse(found.script_json) as DialogueRequest;
    const abort = new AbortController();
    this.running = { id, abort };
    this.emit({ type: "dialogue.job", job: await this.get(id) });
    const parts: Float32Array[] = [];
    const timings: LineTiming[] = [];
    let samples = 0;
    const gap = new Float32Array((DIALOGUE_RATE * GAP_MS) / 1000);
    try {
      for (const [index, line] of req.lines.entries()) {
        // A job cancelled through another pod of the fleet stops here, between lines.
        if (index > 0 && (await this.row(id)).status === "cancelled") abort.abort();
        if (abort.signal.aborted) break;
        if (index > 0) {
          parts.push(gap);
          samples += gap.length;
        }
        const startMs = (samples / DIALOGUE_RATE) * 1000;
        const resampler = tts.sampleRate === DIALOGUE_RATE ? null : new Resampler(tts.sampleRate, DIALOGUE_RATE);
        for await (const chunk of tts.synthesize(line.text, {
          voice: req.voices[line.speaker]!,
          signal: abort.signal,
          priority: "studio",
          // One context per job: a dialogue-capable engine hears the earlier lines (continuity).
          context: { id, speaker: line.speaker },
        })) {
          const a = resampler ? resampler.process(chunk) : chunk;
          parts.push(a);
          samples += a.length;
        }
        if (resampler) {
          const tail = resampler.flush();
          parts.push(tail);
          samples += tail.length;
        }
        if (abort.signal.aborted) break;
        timings.push({
          index,
          speaker: line.speaker,
          text: line.text,
          startMs: Math.round(startMs),
          endMs: Math.round((samples / DIALOGUE_RATE) * 1000),
        });
        // Not running any more: cancelled through another pod while this line was spoken.
        if (!(await this.setStatus(id, "running", { progress: (index + 1) / req.lines.length }, ["running"]))) abort.abort();
      }
      if (abort.signal.aborted) return await this.afterAbort(id);
      const file = `${id}.wav`;
      await this.blobs.put(file, writeWav(concatFloat32(parts), DIALOGUE_RATE));
      if (!(await this.setStatus(id, "done", { progress: 1, result: file, timings }, ["running"]))) await this.blobs.delete(file);
      return "settled";
    } catch (err) {
      if (abort.signal.aborted) return await this.afterAbort(id);
      await this.setStatus(id, "failed", { error: (err as Error).message }, ["running"]).catch(() => {});
      return "settled";
    } finally {
      this.running = null;
      tts.endContext?.(id);
    }
  }

  /** Stopped mid-render: a cancelled job stays cancelled; one cut by this pod stopping is queued again. */
  private async afterAbort(id: string): Promise<RenderOutcome> {
    if (!this.stopping) return "settled";
    await this.sql.run("UPDATE dialogue_jobs SET status = 'queued', progress = 0, updated_at = ? WHERE id = ? AND status = 'running'", [
      new Date().toISOString(),
      id,
    ]);
    this.emit({ type: "dialogue.job", job: await this.get(id) });
    return "released";
  }
}
