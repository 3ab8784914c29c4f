/** The desktop renderer in Chromium against the real pod: a spoken conversation with barge-in, and push-to-talk. */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic, pageProbes, useStorytellerSettings } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";
import { micScript, wordErrorRate } from "../support/speech.js";

// Whisper base hears this the same over PCM and over the app's Opus at every frame alignment tried
// offline; "…a brave dragon" became "…a brave braggan" over Opus in 3–5 alignments of 10.
const QUESTION = "Tell me a long story about a friendly robot.";
const INTERRUPTION = "Stop please, that is enough.";
const ARTIFACTS = "test-artifacts/desktop";

/** The microphone's script: silence, the question, a pause while the reply plays, the interruption. */
const micWav = () => micScript([3, QUESTION, 11, INTERRUPTION, 8]);

let pod: PodProcess;
let browser: Browser;
let page: Page;
let micPath: string;

beforeAll(async () => {
  if (!CHROMIUM && !process.env.CI) return; // CI must have it: there the tests fail rather than skip
  mkdirSync(ARTIFACTS, { recursive: true });
  pod = await startPod();
  micPath = micWav();
  browser = await launchWithMic(micPath);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // A persona that makes the reply long enough to talk over.
  await useStorytellerSettings(page);
});

afterAll(async () => {
  await browser?.close();
  await pod?.stop();
});

const { text, until } = pageProbes(() => page, `${ARTIFACTS}/timeout.png`, ["turns"]);

describe.skipIf(!CHROMIUM && !process.env.CI)("desktop renderer in Chromium", () => {
  it("holds a spoken conversation: VAD, transcript, reply audio played, latencies, barge-in", async () => {
    await page.goto(`${pod.url}/`);
    await page.getByTestId("start").click();
    await until("connection", async () => (await text("connection")) === "Connected", 30_000);

    // The local VAD hears the question; the pod's transcript appears as the user's turn.
    const userTurn = page.getByTestId("turn-user").first();
    await until("the transcript", async () => /robot/i.test((await userTurn.textContent()) ?? ""), 60_000);
    expect(wordErrorRate(QUESTION, ((await userTurn.textContent()) ?? "").replace(/^You/, ""))).toBeLessThanOrEqual(0.4);
    // The question went up as Opus (the app's WebAssembly encoder) and the reply came down as Opus.
    await page.getByRole("button", { name: "Details" }).click();
    expect(await text("codec")).toMatch(/^opus up · opus down/);

    // The reply streams as text and is played by the worklet (not merely received).
    await until("reply playback", async () => Number.parseInt(await text("played"), 10) > 1500, 60_000);
    const assistant = page.getByTestId("turn-assistant").first();
    expect(((await assistant.textContent()) ?? "").length).toBeGreaterThan(20);
    expect(await text("session-state")).toMatch(/Speaking/);

    // The dashboard shows this turn's stage latencies, server and client side.
    const turn = page.getByTestId("latency-turn").first();
    await until("latencies", async () => (await turn.locator("[data-stage]").count()) >= 5, 20_000);
    for (const stage of ["asrMs", "llmFirstTokenMs", "ttsFirstAudioMs", "firstAudioSentMs", "voiceToVoiceMs"]) {
      expect(Number(await turn.locator(`[data-stage="${stage}"] .chart-value`).textContent())).toBeGreaterThan(0);
    }
    // The dashboard counts underruns; how many a loaded machine has is a benchmark figure, not a pass/fail.
    expect(await text("underruns")).toMatch(/^\d+$/);
    await page.screenshot({ path: `${ARTIFACTS}/conversation-speaking.png` });

    // The fake microphone now talks over the reply: the pod pauses it, judges it a barge-in, and the reply is cut.
    await until("the interruption", async () => (await assistant.textContent())?.includes("interrupted") ?? false, 40_000);
    const heard = ((await assistant.textContent()) ?? "").replace(/^Fireside(interrupted)?/, "");
    expect(heard.length).toBeGreaterThan(0);
    await until(
      "the interruption's transcript",
      async () => /stop|enough/i.test((await page.getByTestId("turn-user").nth(1).textContent()) ?? ""),
      40_000,
    );
    await page.screenshot({ path: `${ARTIFACTS}/conversation-after-barge-in.png` });
    // The app left the turns to the pod (its default): the pod ended the question's turn by its own
    // rules and judged the interruption a barge-in itself.
    const metrics = await (await fetch(`${pod.url}/metrics`)).text();
    expect(metrics).toMatch(/fireside_interruptions_total\{outcome="barge_in"\} [1-9]/);
    expect(metrics).toMatch(/fireside_end_of_turn_total\{rule="[a-z_]+"\} [1-9]/);
    await page.getByRole("button", { name: "Settings" }).click();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-and-settings.png` });
    // Hang up: the fake microphone's file loops, and this session would go on asking the pod (and
    // keeping its speech recognition busy) while the next test talks to it.
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Hang up" }).click();
    await until("hung up", async () => (await text("connection")) === "Not connected", 20_000);
  });

  it("push-to-talk: speech while Space is held is transcribed and answered", async () => {
    const pttBrowser = await launchWithMic(micPath);
    try {
      const p = await pttBrowser.newPage({ viewport: { width: 1280, height: 860 } });
      await p.addInitScript(() => localStorage.setItem("fireside.settings", JSON.stringify({ mode: "push-to-talk" })));
      await p.goto(`${pod.url}/`);
      await p.getByTestId("start").click();
      await pollUntil(
        "the microphone to start",
        async () => /hold Space/.test((await p.getByTestId("mic-state").textContent()) ?? ""),
        30_000,
        100,
      );
      // Nothing is sent until Space is held: the screen says so, not "Listening".
      expect(await p.getByTestId("session-state").textContent()).toBe("Hold Space to talk");
      expect(await p.getByTestId("hold-to-talk").getAttribute("aria-pressed")).toBe("false");
      // Hold Space from before the question (3 s into the microphone's file) until the mic meter has
      // heard it start and then stay quiet for half a second: the whole question is inside the hold.
      await p.keyboard.down("Space");
      expect(await p.getByTestId("mic-state").textContent()).toMatch(/speaking/);
      // Held: the hold button shows pressed and the state word says the app hears you.
      expect(await p.getByTestId("hold-to-talk").getAttribute("aria-pressed")).toBe("true");
      expect(await p.getByTestId("session-state").textContent()).toBe("Hearing you");
      // One quick shot: the hold is timed against the microphone's file, so no viewport changes here.
      await p.screenshot({ path: `${ARTIFACTS}/push-to-talk-held.png` });
      const micDbfs = async () =>
        Number(
          /(-?\d+) dBFS/.exec((await p.locator('[data-testid="stage"] .meter[title^="mic"]').getAttribute("title")) ?? "")?.[1] ?? -60,
        );
      await pollUntil("the question to start", async () => (await micDbfs()) > -40, 30_000, 50);
      let quietSince = 0;
      await pollUntil(
        "the question to end",
        async () => {
          if ((await micDbfs()) > -50) quietSince = 0;
          else quietSince ||= Date.now();
          return quietSince > 0 && Date.now() - quietSince >= 500;
        },
        30_000,
        50,
      );
      await p.keyboard.up("Space");
      const user = p.getByTestId("turn-user").first();
      await pageProbes(() => p, `${ARTIFACTS}/push-to-talk-timeout.png`, ["turn-user", "mic-state", "connection"]).until(
        "the transcript",
        async () => /robot/i.test((await user.textContent().catch(() => "")) ?? ""),
        60_000,
      );
      await p.getByTestId("turn-assistant").first().waitFor({ timeout: 60_000 });
      await p.screenshot({ path: `${ARTIFACTS}/push-to-talk.png` });
    } finally {
      await pttBrowser.close();
    }
  });
});
