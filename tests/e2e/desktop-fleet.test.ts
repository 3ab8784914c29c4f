/**
 * The app in a fleet (headless Chromium, two pods on instant test-double engines behind HAProxy with
 * PostgreSQL and Redis): when its pod is drained for a deploy, the reply in progress plays to its
 * end, the app moves to the other pod by itself, and the conversation goes on there — one
 * conversation, every turn shown once.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic } from "../support/browser.js";
import { type Fleet, startFleet } from "../support/fleet.js";
import { pollUntil } from "../support/poll.js";
import { missingServices } from "../support/services.js";

const ARTIFACTS = "test-artifacts/desktop";
const missing = missingServices();
const skip = (!CHROMIUM || !!missing) && !process.env.CI;
let fleet: Fleet;
let browser: Browser;
let page: Page;

const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? "";
const turnTexts = async (role: "user" | "assistant") => page.getByTestId(`turn-${role}`).allTextContents();

async function say(message: string) {
  const before = (await turnTexts("assistant")).length;
  await page.getByLabel("Message").fill(message);
  await page.getByLabel("Message").press("Enter");
  await pollUntil("a reply to start", async () => (await turnTexts("assistant")).length > before, 30_000, 100);
}

beforeAll(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  fleet = await startFleet({
    pods: 2,
    instant: true,
    env: { INSTANT_REPLY_SECONDS: "4", FIRESIDE_DRAIN_TIMEOUT_MS: "20000", FIRESIDE_LOG_LEVEL: "error" },
  });
  const silence = join(mkdtempSync(join(tmpdir(), "fireside-fleet-app-")), "silence.wav");
  execFileSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", silence, "trim", "0", "1"]);
  browser = await launchWithMic(silence);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

describe.skipIf(skip)("the app in a fleet (Chromium)", () => {
  it("moves to another pod when its pod drains, after the reply it is playing; the conversation goes on", async () => {
    await page.goto(`${fleet.url}/`);
    await page.getByTestId("start").click();
    await pollUntil("the connection", async () => (await text("connection")) === "Connected", 30_000, 100);
    await say("Tell me about lighthouses.");
    const holder = (await fleet.servers()).find((s) => s.sessions > 0)!;
    const pod = fleet.pods.find((p) => p.id === holder.pod)!;
    const exited = fleet.drain(pod);
    await pollUntil("the app to move", async () => (await text("connection")) !== "Connected", 30_000, 50);
    await pollUntil("the app to be connected again", async () => (await text("connection")) === "Connected", 30_000, 100);
    expect(await exited).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/fleet-moved-after-drain.png` });
    // The reply that was playing ended whole (the pod waited for it), and the conversation carries on.
    await pollUntil(
      "the first reply to be settled",
      async () => (await page.locator('[data-testid="turn-assistant"].live').count()) === 0,
      30_000,
      100,
    );
    await say("And the tallest one?");
    await pollUntil(
      "the second reply to be settled",
      async () => (await page.locator('[data-testid="turn-assistant"].live').count()) === 0,
      30_000,
      100,
    );
    const users = await turnTexts("user"); // each turn's text follows its "You" label
    expect(users).toHaveLength(2);
    expect(users[0]).toContain("Tell me about lighthouses.");
    expect(users[1]).toContain("And the tallest one?");
    expect(await turnTexts("assistant")).toHaveLength(2);
    const { conversations } = (await (await fetch(`${fleet.url}/v1/conversations`)).json()) as { conversations: { turns: number }[] };
    expect(conversations).toEqual([expect.objectContaining({ turns: 4 })]);
  });
});
