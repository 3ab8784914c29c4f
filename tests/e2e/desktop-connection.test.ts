/**
 * The app in Chromium says where its connection is, in words, once, for each situation a user
 * meets: a pod it cannot reach, no token, a wrong token, a wrong path (with the fix offered),
 * connected, a pod that goes away and comes back, and one still loading its models (one steady
 * state with progress, no flicker). Each state is screenshotted at 820×640 and 1440×900, dark and light.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic, pageProbes, shootThemes } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { freePort } from "../support/services.js";
import { micScript } from "../support/speech.js";

const ARTIFACTS = "test-artifacts/desktop";
const TOKEN = "a-long-enough-secret-token";

let pod: PodProcess;
let browser: Browser;
let page: Page;
/** An address nothing listens on: a port taken from the system and let go. */
let deadUrl = "";

beforeAll(async () => {
  if (!CHROMIUM && !process.env.CI) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  pod = await startPod({ FIRESIDE_TOKEN: TOKEN });
  deadUrl = `ws://127.0.0.1:${await freePort()}/v1/realtime`;
  browser = await launchWithMic(micScript([90]));
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript((url) => localStorage.setItem("fireside.settings", JSON.stringify({ podUrl: url })), deadUrl);
});

afterAll(async () => {
  await browser?.close();
  await pod?.stop();
});

const { text, until } = pageProbes(() => page, `${ARTIFACTS}/connection-timeout.png`, ["connection", "connection-card", "notice"], 100);

/** One message per problem: the connection card says it, and no banner repeats it. */
async function saidOnce() {
  expect(await page.getByTestId("connection-card").count()).toBe(1);
  expect(await page.getByTestId("notice").count()).toBe(0);
}
const shoot = (name: string) => shootThemes(page, `${ARTIFACTS}/${name}`);

/** Settings' "Test connection": its one-sentence answer. */
async function testConnection(): Promise<string> {
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  await page.getByRole("button", { name: "Test connection" }).click();
  await until("the test's answer", async () => !/Asking the pod/.test(await text("test-result")), 20_000);
  const answer = await text("test-result");
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  return answer;
}

async function setSetting(label: string, value: string) {
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.blur();
  await page.getByRole("button", { name: "Settings", exact: true }).click();
}

describe.skipIf(!CHROMIUM && !process.env.CI)("desktop app: every connection state says what is going on", () => {
  it("unreachable, wrong token, connected, lost and back, loading", async () => {
    await page.goto(`${pod.url}/`);

    // A pod that is not there: named, with what to check, and the app keeps trying.
    await page.getByTestId("start").click();
    await until("the unreachable state", async () => (await text("connection")) === "Pod unreachable", 30_000);
    const where = new URL(deadUrl).host;
    await until("the retry's timing", async () => /Trying again in \d+ s/.test(await text("connection-card")), 30_000);
    expect(await text("connection-card")).toContain(`Cannot reach the pod at ${where}`);
    expect(await text("connection-card")).toMatch(
      /Nothing answers there: is the pod running\? Trying again (in \d+ s|now \(attempt \d+\))… The app keeps trying\./,
    );
    await saidOnce();
    await shoot("connection-unreachable");
    expect(await testConnection()).toBe(`Nothing answers at ${where}: is the pod running, and is the address right?`);
    await page.getByRole("button", { name: "Hang up" }).click();

    // The right pod and no token at all: it says a token is needed (not that it is a different one).
    await setSetting("Pod URL", pod.wsUrl);
    await page.getByTestId("start").click();
    await until("the refusal", async () => (await text("connection")) === "Token refused", 30_000);
    expect(await text("connection-card")).toContain(`The pod at ${new URL(pod.wsUrl).host} needs a token`);
    expect(await text("connection-card")).not.toMatch(/different/);
    await saidOnce();
    await shoot("connection-no-token");

    // The right pod with a wrong token: it stops and says so (no endless retrying).
    await setSetting("Token", "not-the-token");
    await page.getByTestId("start").click();
    await until("the wrong-token card", async () => /refused the token/.test(await text("connection-card")), 30_000);
    expect(await text("connection")).toBe("Token refused");
    expect(await text("connection-card")).toContain(`The pod at ${new URL(pod.wsUrl).host} refused the token`);
    expect(await text("connection-card")).toMatch(/does not retry a refused token/);
    await saidOnce();
    await shoot("connection-wrong-token");
    // The Studio says the same of its own requests…
    await page.getByRole("button", { name: "Studio", exact: true }).click();
    await until("the Studio's token error", async () => /token/i.test(await text("studio-error")), 10_000);
    await page.getByRole("button", { name: "Talk", exact: true }).click();
    // The card's way out: Settings opens where the token is typed.
    await page.getByRole("button", { name: "Open Settings" }).click();
    await page.getByLabel("Token", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Settings", exact: true }).click();

    // The right token: Settings' test says so before starting, then it connects.
    await setSetting("Token", TOKEN);
    expect(await testConnection()).toBe(`The pod at ${new URL(pod.wsUrl).host} takes this token and is ready.`);
    // …and once the token is right, stops saying it without waiting for its next action.
    await page.getByRole("button", { name: "Studio", exact: true }).click();
    await until("the Studio's error to go", async () => (await page.getByTestId("studio-error").count()) === 0, 10_000);
    await page.getByRole("button", { name: "Talk", exact: true }).click();
    await page.getByTestId("start").click();
    await until("connected", async () => (await text("connection")) === "Connected", 60_000);
    expect(await text("first-run")).toMatch(/I'm listening/);
    expect(await page.getByTestId("connection-card").count()).toBe(0);
    await shoot("connection-connected");

    // A wrong path on the right pod: not "is it running?", but the address it answers at, as a fix.
    await page.getByRole("button", { name: "Hang up" }).click();
    await setSetting("Pod URL", pod.wsUrl.replace(/realtime$/, "realtim"));
    await page.getByTestId("start").click();
    await until("the wrong address", async () => (await text("connection")) === "Wrong address", 30_000);
    expect(await text("connection-card")).toMatch(/answers, but not at \/v1\/realtim: its realtime address ends in \/v1\/realtime/);
    await saidOnce();
    await shoot("connection-wrong-path");
    await page.getByRole("button", { name: `Use ${pod.wsUrl}` }).click();
    await until("connected at the corrected address", async () => (await text("connection")) === "Connected", 60_000);

    // The pod goes away: a drop, not a wrong address; it comes back on the same port: connected again.
    const port = pod.port;
    await pod.stop();
    await until("reconnecting", async () => (await text("connection")) === "Reconnecting…", 30_000);
    expect(await text("connection-card")).toMatch(/Lost the pod; reconnecting/);
    expect(await text("session-state")).toBe("Waiting for the pod…");
    await page.getByRole("button", { name: "Details" }).click(); // the dashboard, open from here on
    await until("the dashboard to stop calling the pod ready", async () => (await text("pod-health")) === "not answering", 10_000);
    await shoot("connection-reconnecting");
    pod = await startPod({ FIRESIDE_TOKEN: TOKEN, FIRESIDE_PORT: String(port) });
    await until("connected again", async () => (await text("connection")) === "Connected", 90_000);

    // A pod that is still loading its models (it listens first, then loads for several seconds):
    // the app says so and waits for it, instead of calling it unreachable or lost.
    await page.getByRole("button", { name: "Hang up" }).click();
    await pod.stop();
    pod = await startPod({ FIRESIDE_TOKEN: TOKEN, FIRESIDE_PORT: String(port) }, 240_000, { until: "listening" });
    let loadedFirst = false;
    void pod.ready.then(() => {
      loadedFirst = true;
    });
    // Every label the header and the card show from now on, to see that loading is one steady state.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const note = () => {
        const label = `${document.querySelector("[data-testid=connection]")?.textContent} | ${document.querySelector("[data-testid=connection-card] h2")?.textContent ?? ""} | ${document.querySelector("[data-testid=notice]")?.textContent ?? ""}`;
        if (seen.at(-1) !== label) seen.push(label);
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("start").click();
    if (!loadedFirst) {
      await until("the loading state", async () => loadedFirst || (await text("connection")).startsWith("Pod loading models"), 60_000);
    }
    // Only a machine that loads the models faster than a click could skip the state; say so.
    expect(loadedFirst, "the pod finished loading before the app asked it: no loading state to see").toBe(false);
    expect(await text("connection-card")).toMatch(/The pod is loading its models/);
    // What it is loading now, from /ready's `stage` (a model on disk loads without a download to show).
    await until("the stage being loaded", async () => /^Now: [a-z]/.test(await text("loading-progress")), 20_000);
    expect(await text("session-state")).toBe("Waiting for the pod…");
    expect(await text("rtt")).toBe("—"); // the last connection's round trip is not this one's
    await shoot("connection-loading");
    await until("connected once the models are loaded", async () => (await text("connection")) === "Connected", 120_000);
    // Connecting, then loading until connected: never back to "Connecting…", never "busy", no banner.
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const loading = seen.findIndex((l) => l.startsWith("Pod loading models"));
    expect(loading, seen.join("\n")).toBeGreaterThanOrEqual(0);
    const during = seen.slice(loading, -1);
    expect(
      during.every((l) => /^Pod loading models[^|]*\| The pod is loading its models \| $/.test(l)),
      seen.join("\n"),
    ).toBe(true);
  });
});
