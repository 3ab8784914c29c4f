/**
 * The pod side of the FireRedTTS2 engine against the real Python worker process running its
 * tone test double: streaming, cancellation, crash and hang recovery, queueing.
 */
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { fireRedWorkerArgs } from "../src/engines/create-engines.js";
import { PriorityLock } from "../src/engines/priority-lock.js";
import { createFireRedTts2 } from "../src/engines/tts/fireredtts2.js";
import { WORKER_DIR } from "../src/engines/tts/fireredtts2-worker.js";
import { EngineError, type TtsEngine } from "../src/engines/types.js";

const engines: TtsEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

async function start(args: string[] = [], over: Partial<Parameters<typeof createFireRedTts2>[0]> = {}) {
  const e = await createFireRedTts2({
    python: "python3",
    args: ["--model", "tone-double", "--heartbeat-s", "0.2", ...args],
    heartbeatTimeoutMs: 2000,
    stallTimeoutMs: 3000,
    startTimeoutMs: 20_000,
    log: () => {},
    scheduler: new PriorityLock(4, "speech synthesis"),
    language: "en",
    voices: [],
    ...over,
  });
  engines.push(e);
  return e;
}

async function collect(e: TtsEngine, text: string, signal = new AbortController().signal) {
  const chunks: Float32Array[] = [];
  for await (const c of e.synthesize(text, { signal })) chunks.push(c);
  return chunks;
}

describe("FireRedTTS2 engine ↔ worker process", () => {
  it("the worker's command line accepts every flag the pod's config produces", () => {
    const config = loadConfig({
      env: {
        FIRESIDE_TTS_ENGINE: "fireredtts2",
        FIRESIDE_FIREREDTTS2_DIR: "/nonexistent/weights",
        FIRESIDE_FIREREDTTS2_DEVICE: "cpu",
        FIRESIDE_FIREREDTTS2_MODE: "dialogue",
        FIRESIDE_FIREREDTTS2_MAX_FRAMES: "8",
        FIRESIDE_FIREREDTTS2_STREAMS: "16",
        FIRESIDE_FIREREDTTS2_STEP_BUDGET_MS: "30",
      },
    });
    const args = fireRedWorkerArgs(config);
    expect(args).toEqual(
      expect.arrayContaining(["--gen-type", "dialogue", "--max-frames", "8", "--no-bf16", "--max-streams", "16", "--step-budget-ms", "30"]),
    );
    // argparse exits 2 on an unknown flag; getting as far as loading the (missing) weights means all were understood.
    const run = spawnSync("python3", ["-m", "fireside_tts_worker", ...args], { cwd: WORKER_DIR, encoding: "utf8" });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/cannot load fireredtts2: model directory \/nonexistent\/weights lacks config_llm\.json/);
  });

  it("streams 80 ms chunks at 24 kHz after the text front end", async () => {
    const e = await start();
    expect(e.info).toMatchObject({ name: "fireredtts2", model: "tone-double" });
    const chunks = await collect(e, "It costs $5 — really.");
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.length === 1920)).toBe(true);
    expect(Math.max(...chunks[0]!.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it("keeps a dialogue's earlier turns as context in the worker and frees them when told", async () => {
    const e = await start();
    const signal = new AbortController().signal;
    for (const [i, speaker] of (["S1", "S2", "S1"] as const).entries()) {
      for await (const _ of e.synthesize(`Line ${i + 1} of the dialogue.`, { signal, context: { id: "job_a", speaker } })) {
        // drain
      }
    }
    for await (const _ of e.synthesize("A line without context.", { signal })) {
      // drain
    }
    expect((await e.worker.stats()).contexts).toEqual({ job_a: 3 });
    e.endContext?.("job_a");
    expect((await e.worker.stats()).contexts).toEqual({});
  });

  it("stops between chunks when cancelled", async () => {
    const e = await start(["--chunk-delay-s", "0.05"]);
    const ac = new AbortController();
    let n = 0;
    const t = Date.now();
    for await (const _ of e.synthesize("x".repeat(600), { signal: ac.signal })) {
      if (++n === 3) ac.abort();
    }
    expect(n).toBe(3);
    expect(Date.now() - t).toBeLessThan(2000);
    expect((await collect(e, "Still works after a cancel.")).length).toBeGreaterThan(0);
  });

  it("a crashed worker fails the turn with a typed error, restarts, and serves again", async () => {
    const e = await start(["--chunk-delay-s", "0.05"]);
    const pid = e.worker.pid;
    const ac = new AbortController();
    const failing = (async () => {
      let n = 0;
      for await (const _ of e.synthesize("y".repeat(600), { signal: ac.signal })) if (++n === 2) e.worker.kill("test");
    })();
    await expect(failing).rejects.toBeInstanceOf(EngineError);
    await expect(failing).rejects.toThrow(/restarting/);
    for (let i = 0; i < 100 && (e.worker.pid === pid || e.worker.restarts === 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(e.worker.pid).not.toBe(pid);
    let chunks: Float32Array[] = [];
    for (let i = 0; i < 50 && chunks.length === 0; i++) {
      chunks = await collect(e, "Back again.").catch(() => []);
      if (!chunks.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(chunks.length).toBeGreaterThan(0);
  });

  it("a frozen worker (no heartbeat) is killed and replaced", async () => {
    const e = await start();
    const pid = e.worker.pid!;
    process.kill(pid, "SIGSTOP");
    for (let i = 0; i < 60 && e.worker.restarts === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(e.worker.restarts).toBe(1);
  });

  it("queues past the worker's streams and refuses past the queue limit with E_BUSY", async () => {
    const e = await start(["--chunk-delay-s", "0.02", "--max-streams", "1"], { scheduler: new PriorityLock(1, "speech synthesis") });
    const a = collect(e, "z".repeat(120));
    const b = collect(e, "z".repeat(60));
    await expect(collect(e, "one too many")).rejects.toMatchObject({ code: "E_BUSY" });
    expect((await a).length).toBeGreaterThan(0);
    expect((await b).length).toBeGreaterThan(0);
  });

  it("a turn waiting behind its context's previous turn is not mistaken for a stalled worker", async () => {
    // The stall limit is 3 s here; the first turn streams for about 4 s while the second waits for it.
    const e = await start(["--chunk-delay-s", "0.04", "--max-streams", "2"]);
    const context = { id: "conversation-1", speaker: "S1" as const };
    const turn = async (text: string) => {
      let n = 0;
      for await (const _ of e.synthesize(text, { signal: new AbortController().signal, context })) n++;
      return n;
    };
    const [first, second] = await Promise.all([turn("a".repeat(600)), turn("b".repeat(60))]);
    expect(first).toBeGreaterThan(50);
    expect(second).toBeGreaterThan(5);
    expect(e.worker.restarts).toBe(0);
  }, 20_000);

  it("streams as many syntheses at once as the worker batches, and the next waits for a slot", async () => {
    const e = await start(["--chunk-delay-s", "0.01", "--max-streams", "2"]);
    expect(e.worker.info.maxStreams).toBe(2);
    const timeline: string[] = [];
    const run = async (name: string, text: string) => {
      for await (const _ of e.synthesize(text, { signal: new AbortController().signal })) timeline.push(name);
      timeline.push(`${name} end`);
    };
    await Promise.all([run("a", "a".repeat(120)), run("b", "b".repeat(120)), run("c", "c".repeat(30))]);
    // a and b stream side by side; c gets the first slot that frees.
    expect(timeline.indexOf("b")).toBeLessThan(timeline.indexOf("a end"));
    const firstEnd = Math.min(timeline.indexOf("a end"), timeline.indexOf("b end"));
    expect(timeline.indexOf("c")).toBeGreaterThan(firstEnd);
  });
});
