/** The desktop renderer's screens in Chromium, each state saved as a screenshot at both sizes and both themes. */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, CHROMIUM, launchWithMic, pageProbes, shootThemes, useStorytellerSettings } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { micScript } from "../support/speech.js";

const MUTED_QUESTION = "What is the capital of France?";
// Whisper base hears this the same over PCM and over the app's Opus at every frame alignment tried
// offline; "…a brave dragon" became "…a brave braggan" over Opus in 3–5 alignments of 10.
const QUESTION = "Tell me a long story about a friendly robot.";
const ARTIFACTS = "test-artifacts/desktop";

/** The microphone: a question said into a muted mic, a long pause (time to unmute), then one said out loud. */
const micWav = () => micScript([4, MUTED_QUESTION, 9, QUESTION, 40]);

let pod: PodProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!CHROMIUM && !process.env.CI) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  // A CPU machine has no GPU to report: nvidia-smi's test double gives the dashboard's GPU chart samples.
  const fakeGpu = fileURLToPath(new URL("../support/fake-nvidia-smi.sh", import.meta.url));
  pod = await startPod({ FIRESIDE_METRICS_PUBLIC: "true", FIRESIDE_NVIDIA_SMI: fakeGpu });
  browser = await launchWithMic(micWav());
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await useStorytellerSettings(page);
});

afterAll(async () => {
  await browser?.close();
  await pod?.stop();
});

const { text, until } = pageProbes(() => page, `${ARTIFACTS}/design-timeout.png`, ["stage", "turns"], 100);

const shoot = (name: string) => shootThemes(page, `${ARTIFACTS}/${name}`);

/** axe-core's serious and critical WCAG A/AA violations on this screen, in both themes (none expected). */
async function accessible(screen: string) {
  for (const scheme of ["dark", "light"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await accessibilityProblems(page), `${screen}, ${scheme} theme`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "dark" });
}

async function framesReceived(): Promise<number> {
  const body = await (await fetch(`${pod.url}/metrics`)).text();
  return Number(/^fireside_audio_frames_received_total (\d+)/m.exec(body)?.[1] ?? Number.NaN);
}

describe.skipIf(!CHROMIUM && !process.env.CI)("desktop app design: screens and states", () => {
  it("first run, mute, unmute, a reply, Esc, and the Studio keeping its work", async () => {
    await page.goto(`${pod.url}/`);
    // First run: the empty Talk screen says which pod, which voice and what to do.
    expect(await text("first-run")).toMatch(/Start talking/);
    expect(await text("first-run")).toContain("127.0.0.1");
    // Voice first: the stage has the room; the numbers are one click away (Details), not on screen.
    expect(await page.getByTestId("latency-chart").count()).toBe(0);
    await shoot("design-first-run");
    await accessible("Talk");

    // Settings: a pasted host:port is corrected to the pod's realtime URL (this pod's own: kept)…
    await page.getByRole("button", { name: "Settings" }).click();
    const podUrl = page.getByLabel("Pod URL");
    await podUrl.fill(pod.wsUrl.replace(/^ws:\/\//, "").replace(/\/v1\/realtime$/, ""));
    await podUrl.blur();
    await until("the corrected address", async () => (await podUrl.inputValue()) === pod.wsUrl, 5_000);
    expect(await page.getByTestId("error-podUrl").count()).toBe(0);
    // …and a value that cannot be corrected is explained next to its field and not kept.
    await podUrl.fill("ftp://my-pod:8787");
    await podUrl.blur();
    expect(await text("error-podUrl")).toMatch(/Pod URL must start with ws:\/\/ or wss:\/\//);
    expect(await text("first-run")).toContain("127.0.0.1"); // the saved address is unchanged
    await shoot("design-settings-error");
    await accessible("Settings");
    await page.getByRole("button", { name: "Settings" }).click();

    // A message typed before Start is not lost: it stays in the box, and the app says why.
    const box = page.getByLabel("Message");
    await box.fill("Are you there?");
    await box.press("Enter");
    expect(await text("notice")).toMatch(/Press Start talking first.*still in the box/);
    expect(await box.inputValue()).toBe("Are you there?");
    await box.fill("");

    // Start, and mute at once (M): the question said into the muted mic is never sent.
    await page.getByTestId("start").click();
    await page.keyboard.press("m");
    expect(await page.getByTestId("mute").getAttribute("aria-pressed")).toBe("true");
    await until("connected", async () => (await text("connection")) === "Connected", 60_000);
    await until("the muted nudge", async () => (await page.getByTestId("muted-nudge").count()) > 0, 60_000);
    expect(await text("stage")).toMatch(/Muted/);
    expect(await text("first-run")).toMatch(/Your microphone is muted/); // not "I'm listening"
    await shoot("design-muted-talking");
    expect(await framesReceived()).toBe(0);
    await until("the muted question to end", async () => (await page.getByTestId("muted-nudge").count()) === 0, 30_000);
    expect(await framesReceived()).toBe(0);
    expect(await page.getByTestId("turn-user").count()).toBe(0);

    // Keyboard parity: Space on a focused button presses it (here Unmute, then Mute, then Unmute
    // again), and is never taken as a shortcut there.
    await page.getByTestId("mute").focus();
    await page.keyboard.press("Space");
    expect(await page.getByTestId("mute").getAttribute("aria-pressed")).toBe("false");
    await page.keyboard.press("Space");
    expect(await page.getByTestId("mute").getAttribute("aria-pressed")).toBe("true");
    // Unmute with the button: the next question is heard and answered.
    await page.getByTestId("mute").click();
    expect(await text("mic-state")).not.toMatch(/muted/i);
    await until("the transcript", async () => /robot/i.test(await text("turns")), 90_000);
    expect(await text("turns")).not.toMatch(/France/i);
    await until("the thinking or speaking state", async () => /Thinking|Speaking/.test(await text("session-state")), 60_000);
    await until("the reply to be audible", async () => (await text("session-state")) === "Speaking", 60_000);
    // The state word is a live region: screen readers hear each change.
    expect(await page.getByTestId("session-state").getAttribute("role")).toBe("status");
    // The reply's words as they are heard, under the state word.
    await until("the live caption", async () => (await text("live-caption")).length > 3, 20_000);
    await page.getByRole("button", { name: "Details" }).click();
    // The microphone went as Opus (libopus in WebAssembly) and the reply came as Opus (decoded by
    // WebCodecs); no PCM went up. The pod counted both; the dashboard says so.
    const metrics = await (await fetch(`${pod.url}/metrics`)).text();
    const bytes = (direction: string, codec: string) =>
      Number(new RegExp(`fireside_audio_bytes_total\\{direction="${direction}",codec="${codec}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(bytes("in", "opus")).toBeGreaterThan(0);
    expect(bytes("in", "pcm_s16le")).toBe(0);
    expect(bytes("out", "opus")).toBeGreaterThan(0);
    await until("the dashboard's codec line", async () => /opus up · opus down/.test(await text("codec")), 10_000);
    // The pod's GPU over time, from /health every 5 s (here nvidia-smi's test double).
    await until("the GPU chart", async () => (await page.getByTestId("gpu-lines").count()) > 0, 30_000);
    expect(await text("gpu")).toMatch(/^\d+% busy · \d+\.\d of 79\.6 GiB$/);
    await shoot("design-speaking");
    await accessible("Talk with Details, speaking");
    await page.getByRole("button", { name: "Details" }).click();

    // Esc interrupts the reply.
    await page.keyboard.press("Escape");
    const assistant = page.getByTestId("turn-assistant").first();
    await until("the interruption", async () => (await assistant.textContent())?.includes("interrupted") ?? false, 20_000);
    // Esc is not speech: the app goes back to listening, not to "Hearing you".
    await until("the stage to listen again", async () => (await text("session-state")) === "Listening", 20_000);
    await shoot("design-interrupted");
    // At 820×640 the transcript is a drawer behind its button, and the stage keeps the whole window.
    await page.setViewportSize({ width: 820, height: 640 });
    expect(await page.getByTestId("turns").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Transcript" }).click();
    expect(await page.getByTestId("turns").isVisible()).toBe(true);
    await shoot("design-transcript-drawer"); // ends at 1440×900, where the transcript is a column again
    expect(await page.getByTestId("turns").isVisible()).toBe(true);
    await page.setViewportSize({ width: 820, height: 640 });
    await page.getByRole("button", { name: "Transcript" }).click();
    expect(await page.getByTestId("turns").isVisible()).toBe(false);
    await page.setViewportSize({ width: 1440, height: 900 });

    // History by the keyboard alone: Space on the focused button opens it.
    await page.getByRole("button", { name: "History" }).focus();
    await page.keyboard.press("Space");
    await page.getByTestId("history-item").first().waitFor({ timeout: 10_000 });
    await accessible("History");
    await page.getByRole("button", { name: "History" }).click();

    // The Studio: no dashboard there, and a script typed before switching tabs is still there after.
    await page.getByRole("button", { name: "Studio", exact: true }).click();
    expect(await page.getByTestId("latency-chart").count()).toBe(0);
    // This Piper pod cannot clone: the Studio says so and offers no clip to upload or record.
    expect(await text("no-cloning")).toMatch(/\(piper\) speaks its preset voices only/);
    expect(await page.getByTestId("clip-input").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Record" }).count()).toBe(0);
    const line1 = page.getByRole("textbox", { name: "Line 1", exact: true });
    await line1.fill("Welcome back to the show.");
    await page.getByRole("button", { name: "Talk", exact: true }).click();
    await page.getByRole("button", { name: "Details" }).click();
    expect(await page.getByTestId("latency-chart").count()).toBe(1);
    await page.getByRole("button", { name: "Details" }).click();
    await page.getByRole("button", { name: "Studio", exact: true }).click();
    expect(await line1.inputValue()).toBe("Welcome back to the show.");
    await shoot("design-studio");
    await accessible("Studio");
  });
});
