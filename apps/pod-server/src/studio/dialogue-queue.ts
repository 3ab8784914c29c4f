/**
 * Which pod renders which dialogue. One pod: the database's own rows are the queue, worked through in
 * order, and a restart queues again what it cut short. A fleet: pg-boss, a maintained job queue on
 * the PostgreSQL the fleet already shares — each job goes to one pod at a time; a draining pod hands
 * its job back (another pod takes it within a second); a pod that died holding one is noticed when
 * the job expires (pg-boss's expireInSeconds) and another pod renders it again. No other service is
 * needed, and a job is queued in the same database that keeps it.
 */
import PgBoss from "pg-boss";
import type { Sql } from "../store/sql.js";

/** What rendering a job came to: finished (done, failed or cancelled), or handed back unfinished. */
export type RenderOutcome = "settled" | "released";

export interface DialogueQueue {
  /** Starts taking jobs: `render` is called with one job id at a time. */
  start(render: (id: string) => Promise<RenderOutcome>): Promise<void>;
  /** A job was submitted (its row is stored, status queued). */
  enqueue(id: string): Promise<void>;
  /** Takes no more jobs; resolves once the one being rendered has returned. */
  stop(): Promise<void>;
}

/** One pod: rows with status 'queued', oldest first. */
export class LocalDialogueQueue implements DialogueQueue {
  private render: ((id: string) => Promise<RenderOutcome>) | null = null;
  private stopping = false;
  private kick: Promise<void> = Promise.resolve();

  constructor(private readonly sql: Sql) {}

  async start(render: (id: string) => Promise<RenderOutcome>): Promise<void> {
    // Jobs a crash cut short start again from the top.
    await this.sql.run("UPDATE dialogue_jobs SET status = 'queued', progress = 0 WHERE status = 'running'");
    this.render = render;
    this.pump();
  }

  async enqueue(): Promise<void> {
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.kick;
  }

  private pump(): void {
    this.kick = this.kick
      .then(async () => {
        for (;;) {
          if (!this.render || this.stopping) return;
          const next = await this.sql.get<{ id: string }>(
            "SELECT id FROM dialogue_jobs WHERE status = 'queued' ORDER BY created_at LIMIT 1",
          );
          if (!next || (await this.render(next.id)) === "released") return;
        }
      })
      // render() settles every job it starts; this only keeps one unexpected error (a database gone) from stalling the queue.
      .catch(() => {});
  }
}

const QUEUE = "fireside-dialogue";

/** A fleet: pg-boss on the shared PostgreSQL (its own schema, `pgboss`). */
export class PgBossDialogueQueue implements DialogueQueue {
  private readonly boss: PgBoss;
  private started: Promise<void> | null = null;

  constructor(url: string, onError: (err: Error) => void) {
    this.boss = new PgBoss({ connectionString: url, max: 4, supervise: true, schedule: false });
    this.boss.on("error", onError);
  }

  private ready(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      await this.boss.createQueue(QUEUE, {
        name: QUEUE,
        // Handed back by a draining pod: taken by another at once. Five tries, then the job is failed.
        retryLimit: 5,
        retryDelay: 1,
        // A pod that died mid-render: its job is rendered again after this (a render takes minutes at most).
        expireInSeconds: 3600,
      });
    })().catch((err) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  async start(render: (id: string) => Promise<RenderOutcome>): Promise<void> {
    await this.ready();
    await this.boss.work<{ id: string }>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      // A job handed back fails this attempt, so pg-boss offers it again, to another pod.
      if ((await render(job.data.id)) === "released") throw new Error("handed back by a draining pod");
    });
  }

  async enqueue(id: string): Promise<void> {
    await this.ready();
    await this.boss.send(QUEUE, { id });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.boss.offWork(QUEUE).catch(() => {});
    // Waits for the render in progress (already told to hand its job back) to return.
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 }).catch(() => {});
  }
}
