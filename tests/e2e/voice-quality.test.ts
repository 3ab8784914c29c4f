/**
 * On a pod with a cloning engine (FireRedTTS2's worker, here running its tone test double), a
 * profile is registered with the worker, usable in dialogues, and its quality check measures
 * intelligibility and likeness honestly: a tone instead of the person's speech scores as poor on both.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PodProcess, startPod } from "../support/pod-process.js";

let pod: PodProcess;
beforeAll(async () => {
  pod = await startPod({
    FIRESIDE_TTS_ENGINE: "fireredtts2",
    FIRESIDE_FIREREDTTS2_WORKER: "test-double",
    FIRESIDE_ASR_MODEL: "whisper-tiny.en",
  });
});
afterAll(async () => {
  await pod?.stop();
});

describe("voice quality on a cloning engine (worker test double)", () => {
  it("registers the profile, renders a dialogue with it, and scores a non-speech clone as poor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quality-"));
    const transcript = "My name is Sam and this is how I sound when I read aloud.";
    execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "ref.wav"), transcript]);
    const created = await fetch(`${pod.url}/v1/voices?${new URLSearchParams({ name: "Sam", transcript })}`, {
      method: "POST",
      body: readFileSync(join(dir, "ref.wav")),
    });
    expect(created.status).toBe(201);
    const profile = await created.json();

    const job = await (
      await fetch(`${pod.url}/v1/dialogues`, {
        method: "POST",
        body: JSON.stringify({ lines: [{ speaker: "S1", text: "Hello from my cloned voice." }], voices: { S1: profile.id } }),
      })
    ).json();
    expect(job.status).toBe("queued");
    let status = "";
    for (let i = 0; i < 100 && status !== "done"; i++) {
      status = (await (await fetch(`${pod.url}/v1/dialogues/${job.id}`)).json()).status;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe("done");

    const res = await fetch(`${pod.url}/v1/voices/${profile.id}/quality`, { method: "POST" });
    expect(res.status).toBe(200);
    const { quality } = await res.json();
    expect(quality).toMatchObject({ verdict: "poor", engine: "fireredtts2/tone-double" });
    expect(quality.wer).toBeGreaterThanOrEqual(0.9);
    // A tone is nobody's voice: the speaker encoder must not find the reference speaker in it.
    expect(quality.similarity).toBeTypeOf("number");
    expect(quality.similarity).toBeLessThan(0.6);
    expect(quality.similarityNote).toMatch(/ge2e/);
    expect((await (await fetch(`${pod.url}/v1/voices/${profile.id}`)).json()).quality.wer).toBe(quality.wer);
  });
});
