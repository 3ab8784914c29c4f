/**
 * Degrade, do not die: each stage's preferred engine, and the one that serves when it fails to
 * load (FireRedTTS2 → Piper, CUDA Whisper → CPU Whisper, a remote LLM → llama.cpp with the small
 * registry model). What fell back, and why, is kept for /ready, session.ready and the metrics.
 */
import type { Degradation } from "@fireside/protocol";

type Stage = Degradation["stage"];

export class Fallbacks {
  readonly degraded: Degradation[] = [];

  constructor(private readonly log: (msg: string) => void) {}

  /**
   * The preferred engine, or — when it throws while loading — the fallback, with the reason
   * recorded. Without a fallback the error stands (the stage has nothing else to run).
   */
  async load<T extends { info: { name: string; model: string } }>(
    stage: Stage,
    wanted: string,
    preferred: () => Promise<T>,
    fallback: (() => Promise<T>) | null,
  ): Promise<T> {
    try {
      return await preferred();
    } catch (err) {
      if (!fallback) throw err;
      const engine = await fallback();
      this.note(stage, wanted, `${engine.info.name} (${engine.info.model})`, err);
      return engine;
    }
  }

  /** Records that `wanted` failed to load with `err` and what serves the stage instead. */
  note(stage: Stage, wanted: string, serving: string, err: unknown): void {
    const reason = (err as Error)?.message ?? String(err);
    this.degraded.push({ stage, wanted, serving, reason });
    this.log(`DEGRADED: ${stage}: ${wanted} failed to load (${reason}); ${serving} serves instead`);
  }
}
