/**
 * The studio across a fleet (PostgreSQL, Redis, three pods on instant test-double engines — a
 * cloning TTS double that can speak only voices it was handed — behind HAProxy): a voice cloned
 * through one pod is listed and spoken by another; a dialogue whose pod drains mid-render is
 * finished by another pod, and every pod's events socket follows it.
 */
import type { DialogueEvent, DialogueJob } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { voicedToneClip } from "../support/clips.js";
import { type Fleet, type FleetPod, startFleet } from "../support/fleet.js";
import { pollUntil } from "../support/poll.js";
import { fleetServicesMissing } from "../support/services.js";

const missing = fleetServicesMissing();

let fleet: Fleet;
beforeAll(async () => {
  if (missing) return;
  fleet = await startFleet({
    instant: true,
    env: { INSTANT_CLONING: "1", INSTANT_SYNTHESIS_MS: "400", FIRESIDE_DRAIN_TIMEOUT_MS: "5000", FIRESIDE_LOG_LEVEL: "error" },
  });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
});

const base = (pod: FleetPod) => `http://127.0.0.1:${pod.port}`;
const ready = async (pod: FleetPod) => (await fetch(`${base(pod)}/ready`)).json() as Promise<{ rendering?: string | null }>;

describe.skipIf(!!missing)("the studio across a fleet", () => {
  it("a voice cloned through pod 1 is listed by pod 2 and spoken there", async () => {
    const [a, b] = fleet.pods;
    const created = await fetch(`${base(a!)}/v1/voices?name=Ada&transcript=${encodeURIComponent("Hello there.")}`, {
      method: "POST",
      body: Buffer.from(voicedToneClip()),
    });
    expect(created.status).toBe(201);
    const voice = (await created.json()) as { id: string };
    const listed = (await (await fetch(`${base(b!)}/v1/voices`)).json()) as { voices: { id: string }[] };
    expect(listed.voices.map((v) => v.id)).toContain(voice.id);
    // Pod 2's engine never saw the clip: it is handed the stored one when the voice is first named there.
    const preview = await fetch(`${base(b!)}/v1/voices/${voice.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("audio/wav");
  });

  it("a dialogue whose pod drains mid-render is finished by another pod; every pod's events socket follows it", async () => {
    const watcher = fleet.pods[2]!;
    const events: DialogueEvent[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${watcher.port}/v1/dialogues/events`);
    socket.on("message", (data) => events.push(JSON.parse(String(data)) as DialogueEvent));
    await new Promise((resolve) => socket.once("open", resolve));

    const lines = Array.from({ length: 12 }, (_, i) => ({ speaker: i % 2 ? "S2" : "S1", text: `Line number ${i + 1}.` }));
    const submitted = await fetch(`${fleet.url}/v1/dialogues`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines, voices: { S1: "instant", S2: "instant" }, language: "en" }),
    });
    expect(submitted.status).toBe(201);
    const { id } = (await submitted.json()) as DialogueJob;
    let renderer: FleetPod | undefined;
    await pollUntil(
      "a pod to be rendering the job",
      async () => {
        for (const pod of fleet.pods) if ((await ready(pod)).rendering === id) renderer = pod;
        return !!renderer;
      },
      30_000,
      100,
    );
    await pollUntil(
      "a few lines rendered",
      () => events.some((e) => e.type === "dialogue.job" && e.job.id === id && e.job.progress >= 0.2),
      30_000,
      50,
    );
    expect(await fleet.drain(renderer!)).toBe(0);

    const job = async () => (await (await fetch(`${fleet.url}/v1/dialogues/${id}`)).json()) as DialogueJob;
    await pollUntil("another pod to finish the job", async () => (await job()).status === "done", 60_000, 250);
    const timings = (await (await fetch(`${fleet.url}/v1/dialogues/${id}/timings`)).json()) as { lines: { index: number }[] };
    expect(timings.lines.map((l) => l.index)).toEqual(lines.map((_, i) => i));
    const audio = await fetch(`${fleet.url}/v1/dialogues/${id}/audio`);
    expect(audio.status).toBe(200);
    // The watcher saw it all through its own pod: queued, handed back, rendered, done.
    const statuses = events.filter((e) => e.type === "dialogue.job" && e.job.id === id).map((e) => (e as { job: DialogueJob }).job.status);
    expect(statuses[0]).toBe("queued");
    expect(statuses).toContain("running");
    expect(statuses.at(-1)).toBe("done");
    expect(statuses.filter((s, i) => s === "queued" && i > 0).length).toBeGreaterThanOrEqual(1); // handed back once
    socket.close();
    await fleet.restart(renderer!);
  });
});
