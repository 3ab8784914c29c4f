/**
 * Degrade, do not die: a pod whose preferred engines all fail to load (FireRedTTS2 without its
 * model, Whisper's CUDA build without CUDA, a remote LLM that does not answer) comes up on the
 * fallbacks, says so in /ready, session.ready, /metrics and to the operator's webhook, and answers
 * a spoken turn.
 */

import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic, pageProbes, shootThemes } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { micScript } from "../support/speech.js";
import { expectFranceAnswered } from "../support/spoken-turn.js";

let pod: PodProcess;
/** The operator's webhook receiver: every event the pod POSTed. */
const hooks: { event: string; text: string; details: { degraded?: { stage: string }[] } }[] = [];
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      hooks.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  pod = await startPod({
    FIRESIDE_ALERT_WEBHOOK: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    FIRESIDE_TTS_ENGINE: "fireredtts2",
    FIRESIDE_FIREREDTTS2_WORKER: "model",
    FIRESIDE_FIREREDTTS2_DIR: "/nonexistent/fireredtts2",
    FIRESIDE_ASR_DEVICE: "cuda",
    FIRESIDE_LLM_ENGINE: "openai",
    FIRESIDE_LLM_URL: "http://127.0.0.1:9/v1",
    FIRESIDE_LLM_MODEL: "served-by-nobody",
  });
});
afterAll(async () => {
  await pod?.stop();
  receiver?.close();
});

describe("a pod whose preferred engines fail to load", () => {
  it("is ready, degraded, naming each fallback and why, and counts them", async () => {
    const res = await fetch(`${pod.url}/ready`);
    expect(res.status).toBe(200);
    const ready = (await res.json()) as { status: string; degraded: { stage: string; wanted: string; serving: string; reason: string }[] };
    expect(ready.status).toBe("degraded");
    const byStage = Object.fromEntries(ready.degraded.map((d) => [d.stage, d]));
    expect(Object.keys(byStage).sort()).toEqual(["asr", "llm", "tts"]);
    expect(byStage.tts).toMatchObject({ wanted: "fireredtts2", serving: expect.stringMatching(/^piper/) });
    expect(byStage.asr).toMatchObject({ wanted: expect.stringMatching(/cuda/), serving: expect.stringMatching(/^whisper-cpp \(/) });
    expect(byStage.llm).toMatchObject({
      serving: expect.stringMatching(/smollm2/),
      reason: expect.stringMatching(/127\.0\.0\.1:9\/v1\/models did not answer/),
    });
    for (const d of ready.degraded) expect(d.reason.length).toBeGreaterThan(10);
    const metrics = await (await fetch(`${pod.url}/metrics`)).text();
    for (const stage of ["asr", "llm", "tts"]) expect(metrics).toContain(`fireside_engine_degraded{stage="${stage}"} 1`);
    // The operator was told by the pod itself, once.
    await pollUntil("the degraded event at the webhook", () => hooks.length > 0, 10_000);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ event: "degraded", text: expect.stringMatching(/^Fireside is ready, degraded: /) });
    expect(hooks[0]!.details.degraded!.map((d) => d.stage).sort()).toEqual(["asr", "llm", "tts"]);
  });

  it("answers a spoken turn on the fallbacks, and session.ready says it is degraded", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    try {
      const ready = await client.hello({ language: "en" });
      expect(ready.capabilities.degraded.map((d) => d.stage).sort()).toEqual(["asr", "llm", "tts"]);
      expect(ready.capabilities.engines.tts.name).toBe("piper");
      await expectFranceAnswered(client);
    } finally {
      client.close();
    }
  });

  it.skipIf(!CHROMIUM && !process.env.CI)("the app says which stage is degraded and why (dashboard, screenshots)", async () => {
    const ARTIFACTS = "test-artifacts/desktop";
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await launchWithMic(micScript([90]));
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const { text, until } = pageProbes(() => page, `${ARTIFACTS}/degraded-timeout.png`, ["connection", "pod-health"], 100);
      await page.goto(`${pod.url}/`);
      await page.getByTestId("start").click();
      await until("connected", async () => (await text("connection")) === "Connected", 60_000);
      await page.getByRole("button", { name: "Details" }).click(); // the dashboard says which stage and why
      await until("the dashboard to say degraded", async () => /^ready, degraded: /.test(await text("pod-health")), 15_000);
      const health = await text("pod-health");
      expect(health).toMatch(/voice: fireredtts2 failed to load \(.+\); piper \(/);
      expect(health).toMatch(/speech recognition: whisper-cpp-cuda/);
      expect(health).toMatch(/language model: openai/);
      // The header says so too, whichever tab is open.
      expect(await text("degraded")).toBe("Degraded");
      await page.getByTestId("pod-health").scrollIntoViewIfNeeded();
      await shootThemes(page, `${ARTIFACTS}/degraded`);
    } finally {
      await browser.close();
    }
  });
});
