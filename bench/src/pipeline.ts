/**
 * The pipeline's own cost, on the real server process with instant test-double engines:
 * (1) commit → first audio frame at the client, minus engine time; (2) how many sessions one
 * process sustains streaming audio both ways without late frames.
 */
import { fileURLToPath } from "node:url";
import { RealtimeClient } from "../../tests/support/realtime-client.js";
import { percentile, startChild } from "./child.js";

const podScript = fileURLToPath(new URL("./instant-pod.ts", import.meta.url));

async function engineMs(child: Awaited<ReturnType<typeof startChild>>): Promise<number> {
  child.proc.stdin!.write("\n");
  for (;;) {
    const { value } = await child.lines.next();
    const ev = JSON.parse(value) as { event: string; engineMs: number };
    if (ev.event === "clock") return ev.engineMs;
  }
}

export async function benchOverhead(turns = 60) {
  const child = await startChild(podScript, { BENCH_REPLY_SECONDS: "1" });
  const url = `ws://127.0.0.1:${child.port}/v1/realtime`;
  const client = await RealtimeClient.connect(url);
  await client.hello({ turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 } });
  const audio = new Int16Array(320).fill(1000);
  const overhead: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < turns; i++) {
    for (let k = 0; k < 25; k++) client.sendAudioFrame(audio, 16000);
    await new Promise((r) => setTimeout(r, 30));
    const e0 = await engineMs(child);
    const mark = client.messages.length;
    const frames0 = client.frames.length;
    const t0 = performance.now();
    client.send({ type: "input.audio.commit" });
    const created = await client.waitFor("response.created", { from: mark });
    while (!client.frames.slice(frames0).some((f) => f.value.streamId === created.value.streamId))
      await new Promise((r) => setImmediate(r));
    const t1 = client.frames.slice(frames0).find((f) => f.value.streamId === created.value.streamId)!.at;
    client.send({ type: "response.cancel" });
    await client.waitFor("response.completed", { from: mark });
    const e1 = await engineMs(child);
    if (i >= 5) {
      // the first turns warm up JIT and caches
      wall.push(t1 - t0);
      overhead.push(t1 - t0 - (e1 - e0));
    }
  }
  client.close();
  child.stop();
  return {
    turns: overhead.length,
    commitToFirstFrameMs: { p50: percentile(wall, 50), p95: percentile(wall, 95) },
    overheadMs: { p50: percentile(overhead, 50), p95: percentile(overhead, 95), max: Math.max(...overhead) },
    goal: "overhead p50 ≤ 5 ms on loopback",
  };
}

/** One step: N sessions, each streaming 20 ms input frames and receiving a paced reply. */
async function concurrencyStep(url: string, n: number, replySeconds: number) {
  const offered = await Promise.all(Array.from({ length: n }, () => RealtimeClient.connect(url)));
  // A pod at capacity refuses the rest with E_BUSY: they are counted, and only the admitted are measured.
  const clients: RealtimeClient[] = [];
  let busy = 0;
  await Promise.all(
    offered.map(async (c) => {
      try {
        await c.hello({ turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 } });
        clients.push(c);
      } catch (err) {
        if (!c.of("error").some((e) => e.code === "E_BUSY")) throw err;
        busy++;
      }
    }),
  );
  const frame = new Int16Array(320); // silence: streamed like an open microphone
  let sending = true;
  const sender = (async () => {
    const start = performance.now();
    for (let k = 0; sending; k++) {
      for (const c of clients) c.sendAudioFrame(frame, 16000);
      const wait = start + (k + 1) * 20 - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
  })();
  for (const c of clients) c.send({ type: "input.text", text: "go" });
  await Promise.all(clients.map((c) => c.waitFor("response.completed", { timeoutMs: (replySeconds + 30) * 1000 })));
  sending = false;
  await sender;
  // A frame is late if it arrives after a player that started 200 ms after the first frame needs it.
  let late = 0;
  let frames = 0;
  let worstMs = 0;
  for (const c of clients) {
    const out = c.frames.filter((f) => f.value.kind === 2);
    if (!out.length) continue;
    const first = out[0]!.at;
    let played = 0;
    for (const f of out) {
      const due = first + 200 + (played / 24000) * 1000;
      if (f.at > due) {
        late++;
        worstMs = Math.max(worstMs, f.at - due);
      }
      played += f.value.samples.length;
      frames++;
    }
  }
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 500));
  return { offered: n, sessions: clients.length, busy, framesReceived: frames, lateFrames: late, worstLateMs: Math.round(worstMs) };
}

export async function benchConcurrency(steps = [100, 200, 300, 400, 500]) {
  const replySeconds = 6;
  const child = await startChild(podScript, { BENCH_REPLY_SECONDS: String(replySeconds) });
  const url = `ws://127.0.0.1:${child.port}/v1/realtime`;
  const results = [];
  for (const n of steps) results.push(await concurrencyStep(url, n, replySeconds));
  child.stop();
  const sustained = results.filter((r) => r.lateFrames === 0).map((r) => r.sessions);
  return {
    replySeconds,
    steps: results,
    maxSessionsWithoutLateFrames: sustained.length ? Math.max(...sustained) : 0,
    note: "server process on instant test-double engines; the clients run in a second process on the same cores",
    goal: "≥ 200 sessions on 2 cores",
  };
}
