/**
 * Capacity of one pod process on instant test-double engines (the pipeline's own cost, no model
 * time): N conversations offered over ARRIVE_MS, each streaming a microphone's silence in real
 * time and asking 3 typed questions with 3 s spoken replies. The pod admits by its measured
 * event-loop lag (FIRESIDE_ADMIT_MAX_LAG_MS) with the session count limit raised out of the way.
 * Reports, per offered load: admitted and refused (E_BUSY), late reply frames among the admitted
 * (a frame later than a player started 200 ms after the reply's first frame needs it), the first
 * reply frame p99, and the pod's event-loop lag p99 and resident memory at their worst (from /ready
 * and /metrics, polled each second). The clients run in this process, on the same two cores.
 */
import { fileURLToPath } from "node:url";
import { SETTINGS } from "@fireside/pod-server";
import { RealtimeClient } from "../../tests/support/realtime-client.js";
import { percentile, startChild } from "./child.js";

const podScript = fileURLToPath(new URL("./instant-pod.ts", import.meta.url));
const ARRIVE_MS = 15_000;
const TURNS = 3;
const REPLY_SECONDS = 3;

async function conversation(url: string, delayMs: number, sendFrames: Set<RealtimeClient>) {
  await new Promise((r) => setTimeout(r, delayMs));
  let c: RealtimeClient;
  try {
    c = await RealtimeClient.connect(url);
  } catch (err) {
    // A balancer with no pod that has room answers the upgrade 503 (after holding it 2 s for a slot).
    if (/HTTP 503/.test(String(err))) return { busy: true as const };
    throw err;
  }
  try {
    await c.hello({ turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 } });
  } catch (err) {
    if (c.of("error").some((e) => e.code === "E_BUSY")) return { busy: true as const };
    throw err;
  }
  sendFrames.add(c);
  const firstFrameMs: number[] = [];
  let late = 0;
  let frames = 0;
  let moved = false;
  for (let t = 0; t < TURNS && !moved; t++) {
    const from = c.messages.length;
    const framesFrom = c.frames.length;
    const askedAt = performance.now();
    c.send({ type: "input.text", text: `question ${t}` });
    const done = await c.waitFor("response.completed", { from, timeoutMs: 120_000 }).catch((err) => {
      // An overloaded pod moved this conversation away (after its reply played): it counts as shed.
      if (c.of("session.moving").length) return null;
      throw err;
    });
    moved = done === null;
    const out = c.frames.slice(framesFrom).filter((f) => f.value.kind === 2);
    if (out.length) {
      firstFrameMs.push(out[0]!.at - askedAt);
      let played = 0;
      for (const f of out) {
        if (f.at > out[0]!.at + 200 + (played / 24000) * 1000) late++;
        played += f.value.samples.length;
        frames++;
      }
    }
    if (!moved) await new Promise((r) => setTimeout(r, 1000)); // the user listens, then asks again
  }
  sendFrames.delete(c);
  c.close();
  // E_BUSY inside the session: its audio dropped because the VAD fell an utterance (30 s) behind.
  const droppedAudio = c.of("error").filter((e) => e.code === "E_BUSY").length;
  return { busy: false as const, moved, late, frames, firstFrameMs, droppedAudio };
}

/** Where the conversations go (a pod, or a balancer), and the pods whose /ready and /metrics are watched. */
export interface CapacityTarget {
  wsUrl: string;
  podPorts: number[];
}

export async function capacityStep({ wsUrl: url, podPorts }: CapacityTarget, offered: number) {
  const talking = new Set<RealtimeClient>();
  const frame = new Int16Array(320);
  let running = true;
  const mic = (async () => {
    const start = performance.now();
    for (let k = 0; running; k++) {
      for (const c of talking) c.sendAudioFrame(frame, 16000);
      await new Promise((r) => setTimeout(r, Math.max(0, start + (k + 1) * 20 - performance.now())));
    }
  })();
  let worstLagMs = 0;
  let peakSessions = 0;
  let worstRssBytes = 0;
  const poll = async (port: number) => {
    try {
      const ready = (await (await fetch(`http://127.0.0.1:${port}/ready`)).json()) as { lagP99Ms?: number; sessions?: number };
      worstLagMs = Math.max(worstLagMs, ready.lagP99Ms ?? 0);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const rss = Number(/^fireside_process_resident_memory_bytes (\S+)/m.exec(metrics)?.[1] ?? 0);
      worstRssBytes = Math.max(worstRssBytes, rss);
      return ready.sessions ?? 0;
    } catch {
      return 0; // a poll that could not get through counts for nothing
    }
  };
  const watch = setInterval(async () => {
    const sessions = await Promise.all(podPorts.map(poll));
    peakSessions = Math.max(
      peakSessions,
      sessions.reduce((a, b) => a + b, 0),
    );
  }, 1000);
  const results = await Promise.all(Array.from({ length: offered }, (_, i) => conversation(url, (i / offered) * ARRIVE_MS, talking)));
  running = false;
  clearInterval(watch);
  await mic;
  const admitted = results.filter((r) => !r.busy) as {
    moved: boolean;
    late: number;
    frames: number;
    firstFrameMs: number[];
    droppedAudio: number;
  }[];
  const first = admitted.flatMap((r) => r.firstFrameMs);
  return {
    offered,
    admitted: admitted.length,
    busy: offered - admitted.length,
    // Admitted, then moved away by the overloaded pod once a reply had played out (its frames count).
    movedAway: admitted.filter((r) => r.moved).length,
    sessionsWithAudioDropped: admitted.filter((r) => r.droppedAudio > 0).length,
    // Conversations end while later ones arrive: how many the pod held at once, at most.
    peakConcurrent: peakSessions,
    lateFrames: admitted.reduce((n, r) => n + r.late, 0),
    frames: admitted.reduce((n, r) => n + r.frames, 0),
    firstReplyFrameMs: { p50: Math.round(percentile(first, 50)), p99: Math.round(percentile(first, 99)) },
    // The worst of any pod.
    podLagP99MsWorst: worstLagMs,
    podRssMBWorst: Math.round(worstRssBytes / 1e6),
  };
}

export async function benchCapacity(levels = (process.env.BENCH_LEVELS ?? "300,600,1200").split(",").map(Number)) {
  const results = [];
  for (const offered of levels) {
    // A fresh pod per level: what one level left behind does not weigh on the next.
    const child = await startChild(podScript, { BENCH_REPLY_SECONDS: String(REPLY_SECONDS) });
    try {
      results.push(await capacityStep({ wsUrl: `ws://127.0.0.1:${child.port}/v1/realtime`, podPorts: [child.port] }, offered));
      process.stderr.write(`  ${JSON.stringify(results.at(-1))}\n`);
    } finally {
      child.stop();
    }
  }
  return {
    engines: "instant test doubles; clients in the bench process on the same cores",
    admitMaxLagMs: Number(process.env.FIRESIDE_ADMIT_MAX_LAG_MS ?? SETTINGS.admitMaxLagMs.default),
    arriveOverMs: ARRIVE_MS,
    turnsEach: TURNS,
    replySeconds: REPLY_SECONDS,
    levels: results,
  };
}
