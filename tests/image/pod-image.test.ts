/**
 * The pod image as a self-hoster gets it: runpod/Dockerfile built (on a Debian base made from
 * Debian's packages: no registry is reachable here), kept within its size budget, then booted
 * twice on one volume — the first boot fetches the models to the volume, answers /ready and a
 * spoken turn through its port, and stops cleanly on SIGTERM; the second downloads nothing.
 * CPU engines (Piper, CPU Whisper, llama.cpp on the small model): there is no GPU here. How it
 * boots without a container runtime: tests/support/pod-image.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BootedPod,
  bootImage,
  buildImage,
  cannotBuild,
  fileStamps,
  imageBytes,
  makeBase,
  removeAsRoot,
  removeImages,
} from "../support/pod-image.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { freePort } from "../support/services.js";
import { expectFranceAnswered } from "../support/spoken-turn.js";

/** The image's budget, uncompressed: torch with CUDA's libraries is most of it (docs/operations.md). */
const BUDGET_BYTES = 9.5e9;
const TOKEN = "image-test-token";
const BOOT_ENV = {
  FIRESIDE_TOKEN: TOKEN,
  FIRESIDE_TTS_ENGINE: "piper",
  FIRESIDE_ASR_DEVICE: "cpu",
  FIRESIDE_ASR_MODEL: "whisper-base",
  FIRESIDE_LLM_MODEL: "smollm2-135m",
  FIRESIDE_LLM_DEVICE: "cpu",
  FIRESIDE_LLM_THREADS: "1",
  FIRESIDE_LLM_TEMPERATURE: "0.2",
};

const why = cannotBuild();
if (why && process.env.CI) throw new Error(`CI must build the pod image: ${why}`);

const work = mkdtempSync(join(tmpdir(), "pod-image-"));
const volume = join(work, "volume");
const report: Record<string, number | string> = {};
let booted: BootedPod | undefined;

async function bootUntilReady(): Promise<BootedPod> {
  const pod = bootImage(volume, await freePort(), BOOT_ENV);
  booted = pod;
  await pollUntil(
    "the booted image's /ready",
    async () => {
      if (pod.child.exitCode !== null) throw new Error(`the image's start.sh exited ${pod.child.exitCode}\n${pod.log().slice(-4000)}`);
      return (await fetch(`${pod.url}/ready`).catch(() => null))?.status === 200;
    },
    900_000,
    500,
  );
  return pod;
}

async function stop(pod: BootedPod): Promise<number | null> {
  pod.terminate();
  const code = await pod.exited;
  pod.remove();
  booted = undefined;
  return code;
}

beforeAll(() => {
  if (why) return;
  const t0 = Date.now();
  makeBase(work);
  report.base_s = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  buildImage();
  report.build_s = (Date.now() - t1) / 1000;
  report.image_bytes = imageBytes();
}, 3_600_000);

afterAll(() => {
  if (booted) {
    booted.kill();
    booted.remove();
  }
  if (!why) {
    mkdirSync("test-artifacts", { recursive: true });
    writeFileSync("test-artifacts/pod-image.json", `${JSON.stringify(report, null, 2)}\n`);
    removeImages();
  }
  if (!why) removeAsRoot(work);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(why)(`the pod image (${why ?? "built here"})`, () => {
  it("fits its size budget", () => {
    expect(report.image_bytes).toBeGreaterThan(1e9); // torch is in it
    expect(report.image_bytes).toBeLessThan(BUDGET_BYTES);
  });

  it("boots: fetches the models to the volume, is ready, answers a spoken turn through its port, stops on SIGTERM", async () => {
    const t0 = Date.now();
    const pod = await bootUntilReady();
    report.first_boot_s = (Date.now() - t0) / 1000;
    expect(pod.log()).toMatch(/\d+% of/); // the models came from the registry, to the volume
    const ready = (await (await fetch(`${pod.url}/ready`)).json()) as { status: string; engines: { tts: { name: string } } };
    expect(ready).toMatchObject({ status: "ready", engines: { tts: { name: "piper" } } });
    const client = await RealtimeClient.connect(`${pod.url.replace("http", "ws")}/v1/realtime`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    try {
      await client.hello({ language: "en" });
      await expectFranceAnswered(client);
    } finally {
      client.close();
    }
    expect(await stop(pod)).toBe(0);
    expect(pod.log()).toMatch(/received TERM, stopping/);
  });

  it("boots again on the same volume without downloading anything", async () => {
    const before = fileStamps(join(volume, "models"));
    const t0 = Date.now();
    const pod = await bootUntilReady();
    report.second_boot_s = (Date.now() - t0) / 1000;
    expect(pod.log()).not.toMatch(/\d+% of/);
    expect(fileStamps(join(volume, "models"))).toEqual(before);
    expect(await stop(pod)).toBe(0);
  });
});
