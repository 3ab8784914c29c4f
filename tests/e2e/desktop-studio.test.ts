/**
 * The studio screens in headless Chromium against the real pod on CPU engines: create a voice
 * profile from a WAV file, import a two-speaker script, render it, see the waveform with per-line
 * markers, and export the WAV.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";

const ARTIFACTS = "test-artifacts/desktop";
let pod: PodProcess;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM && !process.env.CI) return; // CI must have it: there the tests fail rather than skip
  mkdirSync(ARTIFACTS, { recursive: true });
  pod = await startPod();
  browser = await launchWithMic("/dev/null");
});
afterAll(async () => {
  await browser?.close();
  await pod?.stop();
});

describe.skipIf(!CHROMIUM && !process.env.CI)("studio screens in Chromium", () => {
  it("creates a voice profile from a file, renders a two-speaker dialogue, and exports it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "studio-ui-"));
    const clip = join(dir, "my-voice.wav");
    execFileSync("espeak-ng", ["-v", "en-us", "-w", clip, "This is my reference clip, long enough to be a voice profile for the studio."]);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    await page.goto(`${pod.url}/`);
    await page.getByRole("button", { name: "Studio" }).click();

    // A voice profile from a file.
    await page.getByTestId("clip-input").setInputFiles(clip);
    await page.getByRole("button", { name: "Suggest transcript" }).click();
    await expect.poll(async () => page.getByLabel("Transcript").inputValue(), { timeout: 30_000 }).toMatch(/reference|clip|voice/i);
    await page.getByLabel("Voice name").fill("My voice");
    await page.getByRole("button", { name: "Save voice" }).click();
    await expect.poll(async () => page.getByTestId("voice-list").textContent(), { timeout: 20_000 }).toMatch(/My voice/);
    expect(await page.getByTestId("voice-list").textContent()).toMatch(/preset/);
    // This CPU pod cannot clone: the quality check says so in words, not a silent failure.
    await page.getByRole("button", { name: "Check quality" }).click();
    await expect
      .poll(async () => page.getByTestId("studio-error").textContent(), { timeout: 10_000 })
      .toMatch(/needs a cloning TTS engine/);

    // Import a script; the CPU pod has preset voices only, so cast the preset for both speakers.
    await page.getByText("Import / export script").click();
    await page
      .getByRole("textbox", { name: "Script", exact: true })
      .fill("[S1] Hello and welcome to our little podcast.\n[S2] Thanks, I am happy to be here today.\n");
    await page.getByRole("button", { name: "Import" }).click();
    expect(await page.getByRole("textbox", { name: "Line 2", exact: true }).inputValue()).toBe("Thanks, I am happy to be here today.");
    for (const s of ["S1", "S2"]) await page.getByLabel(`Voice for ${s}`).selectOption({ label: "joe (English)" });
    await page.getByTestId("render").click();
    await expect.poll(async () => page.getByTestId("render-status").textContent(), { timeout: 60_000 }).toBe("done");
    await expect.poll(async () => page.getByTestId("waveform").getAttribute("data-markers"), { timeout: 10_000 }).toBe("2");
    const duration = await page
      .getByTestId("dialogue-audio")
      .evaluate(
        (a: HTMLAudioElement) =>
          new Promise<number>((r) =>
            Number.isFinite(a.duration) && a.duration > 0 ? r(a.duration) : a.addEventListener("loadedmetadata", () => r(a.duration)),
          ),
      );
    expect(duration).toBeGreaterThan(2);
    await page.screenshot({ path: `${ARTIFACTS}/studio.png`, fullPage: true });

    // Export: the downloaded file is the rendered 24 kHz WAV.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-wav").click()]);
    const saved = join(dir, "exported.wav");
    await download.saveAs(saved);
    const wav = readWav(readFileSync(saved));
    expect(wav.sampleRate).toBe(24000);
    expect(Math.abs(wav.frames / 24000 - duration)).toBeLessThan(0.05);
  });
});
