/**
 * Dialogue rendering jobs on the CPU engines (Piper's preset voice) through the real server:
 * script import, progress (polled and pushed over the events WebSocket), WAV with per-line timings, cancel, preset-only refusal of cloned voices,
 * and a job that survives a server restart — against one pod, and the same against a fleet (three pods
 * behind HAProxy, PostgreSQL, Redis), where the job outlives the drain of the pod rendering it.
 */
import { readWav, rms } from "@fireside/audio";
import { DIALOGUE_EVENTS_PATH, type DialogueEvent } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTarget, TARGETS, type Target } from "../support/target.js";

const PRESET = "en_US-joe-medium";
let pod: Target;

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${pod.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const job = async (id: string) => (await (await fetch(`${pod.url}/v1/dialogues/${id}`)).json()) as { status: string; progress: number };

/** Opens the events socket and resolves once its first event (the snapshot) has arrived. */
function openEvents(into: DialogueEvent[]): Promise<WebSocket> {
  const ws = new WebSocket(`${pod.url.replace(/^http/, "ws")}${DIALOGUE_EVENTS_PATH}`);
  return new Promise((resolve, reject) => {
    ws.on("message", (data) => {
      into.push(JSON.parse(String(data)) as DialogueEvent);
      if (into.length === 1) resolve(ws);
    });
    ws.on("error", reject);
  });
}

async function until(id: string, pred: (j: { status: string; progress: number }) => boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = await job(id);
    if (pred(j)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck at ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(TARGETS)("dialogue jobs, %s", (kind) => {
  beforeAll(async () => {
    pod = await startTarget(kind);
  });
  afterAll(async () => {
    await pod?.stop();
  });

  it("renders a two-speaker script to one 24 kHz WAV with per-line timings", async () => {
    const script = "[S1] Welcome back to the show.\n[S2] Thanks, it is great to be here.\n\n[S1] Let us talk about voices.\n";
    const { status, body } = await post("/v1/dialogues", { script, voices: { S1: PRESET, S2: PRESET } });
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: "queued", lines: 3 });
    const done = await until(body.id, (j) => j.status === "done");
    expect(done.progress).toBe(1);

    const { lines } = await (await fetch(`${pod.url}/v1/dialogues/${body.id}/timings`)).json();
    expect(lines.map((l: { speaker: string }) => l.speaker)).toEqual(["S1", "S2", "S1"]);
    for (let i = 0; i < lines.length; i++) {
      expect(lines[i].endMs).toBeGreaterThan(lines[i].startMs + 500);
      if (i > 0) expect(lines[i].startMs - lines[i - 1].endMs).toBeGreaterThanOrEqual(240);
    }
    const wav = readWav(new Uint8Array(await (await fetch(`${pod.url}/v1/dialogues/${body.id}/audio`)).arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 24000, channels: 1 });
    expect(Math.abs((wav.frames / 24000) * 1000 - lines.at(-1).endMs)).toBeLessThan(5);
    for (const l of lines) expect(rms(wav.samples, (l.startMs * 24000) / 1000, (l.endMs * 24000) / 1000)).toBeGreaterThan(0.02);
  });

  it("pushes progress over the events WebSocket, and a client that reconnects gets the final state", async () => {
    const events: DialogueEvent[] = [];
    let ws = await openEvents(events);
    expect(events[0]?.type).toBe("dialogue.jobs"); // the snapshot comes first
    const lines = Array.from({ length: 4 }, (_, i) => ({ speaker: i % 2 ? "S2" : "S1", text: `Line ${i + 1} of four.` }));
    const { body } = await post("/v1/dialogues", { lines, voices: { S1: PRESET, S2: PRESET } });
    const mine = () => events.flatMap((e) => (e.type === "dialogue.job" && e.job.id === body.id ? [e.job] : []));
    for (let i = 0; i < 600 && mine().at(-1)?.status !== "done"; i++) await new Promise((r) => setTimeout(r, 100));
    const seen = mine();
    expect(seen[0]).toMatchObject({ status: "queued", progress: 0 });
    expect(seen.filter((j) => j.status === "running").map((j) => j.progress)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(seen.at(-1)).toMatchObject({ status: "done", progress: 1 });
    ws.close();

    // Away while it was deleted? The next snapshot says what is there now.
    const again: DialogueEvent[] = [];
    ws = await openEvents(again);
    const snapshot = again[0]?.type === "dialogue.jobs" ? again[0].jobs : [];
    expect(snapshot.find((j) => j.id === body.id)).toMatchObject({ status: "done", progress: 1 });
    await fetch(`${pod.url}/v1/dialogues/${body.id}`, { method: "DELETE" });
    for (let i = 0; i < 50 && !again.some((e) => e.type === "dialogue.removed"); i++) await new Promise((r) => setTimeout(r, 50));
    expect(again.at(-1)).toEqual({ type: "dialogue.removed", id: body.id });
    ws.close();
  });

  it("gives each speaker its own preset voice on a CPU pod (Piper and espeak-ng)", async () => {
    const { voices } = await (await fetch(`${pod.url}/v1/voices`)).json();
    const presets = voices.filter((v: { preset: boolean }) => v.preset).map((v: { id: string }) => v.id);
    expect(presets).toEqual([PRESET, "espeak-en-us-f3", "espeak-en-gb-m3"]);
    const lines = [
      { speaker: "S1", text: "Welcome back to the show." },
      { speaker: "S2", text: "Thanks, it is good to be here." },
    ];
    const { body } = await post("/v1/dialogues", { lines, voices: { S1: PRESET, S2: "espeak-en-us-f3" } });
    await until(body.id, (j) => j.status === "done");
    const { lines: timings } = await (await fetch(`${pod.url}/v1/dialogues/${body.id}/timings`)).json();
    const wav = readWav(new Uint8Array(await (await fetch(`${pod.url}/v1/dialogues/${body.id}/audio`)).arrayBuffer()));
    for (const l of timings) expect(rms(wav.samples, (l.startMs * 24000) / 1000, (l.endMs * 24000) / 1000)).toBeGreaterThan(0.02);
  });

  it("refuses bad scripts with the line number, unknown voices, and cloned voices on a preset-only engine", async () => {
    let r = await post("/v1/dialogues", { script: "[S1] ok\nS2 missing brackets", voices: { S1: PRESET } });
    expect([r.status, r.body.error.code]).toEqual([400, "E_BAD_REQUEST"]);
    expect(r.body.error.message).toMatch(/line 2/);
    r = await post("/v1/dialogues", { lines: [{ speaker: "S1", text: "Hi" }], voices: { S1: "nobody" } });
    expect(r.body.error.message).toMatch(/voice nobody .* does not exist/);
    r = await post("/v1/dialogues", { lines: [{ speaker: "S3", text: "Hi" }], voices: { S1: PRESET } });
    expect(r.body.error.message).toMatch(/every speaker in lines needs a voice/);
  });

  it("cancels a running job; the client may go away and poll later", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => ({
      speaker: i % 2 ? "S2" : "S1",
      text: `This is line number ${i + 1} of a rather long conversation.`,
    }));
    const { body } = await post("/v1/dialogues", { lines, voices: { S1: PRESET, S2: PRESET } });
    await until(body.id, (j) => j.progress > 0);
    const cancelled = await post(`/v1/dialogues/${body.id}/cancel`, {});
    expect(cancelled.body.status).toBe("cancelled");
    // Jobs run one at a time: once a later job is done, the runner has left the cancelled one for good.
    const after = await post("/v1/dialogues", { lines: [{ speaker: "S1", text: "After the cancel." }], voices: { S1: PRESET } });
    await until(after.body.id, (j) => j.status === "done");
    expect((await job(body.id)).status).toBe("cancelled");
    expect((await fetch(`${pod.url}/v1/dialogues/${body.id}/audio`)).status).toBe(404);
  });

  it("a job cut short (its pod restarts; in a fleet, drains) is rendered again and finishes", async () => {
    const lines = Array.from({ length: 8 }, (_, i) => ({
      speaker: i % 2 ? "S2" : "S1",
      text: `Sentence ${i + 1} of the restart test, spoken slowly.`,
    }));
    const { body } = await post("/v1/dialogues", { lines, voices: { S1: PRESET, S2: PRESET } });
    await until(body.id, (j) => j.progress > 0);
    await pod.interruptRender(body.id);
    const done = await until(body.id, (j) => j.status === "done");
    expect(done.progress).toBe(1);
    const { lines: timings } = await (await fetch(`${pod.url}/v1/dialogues/${body.id}/timings`)).json();
    expect(timings).toHaveLength(8);
  });
});
