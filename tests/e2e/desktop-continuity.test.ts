/**
 * Continuity in the app (headless Chromium against the real pod through a TCP proxy): the network
 * path is cut mid-reply and the app resumes the same session with every earlier turn shown once;
 * after a pod restart the conversation is in the History list, opens, and continues; a pod killed
 * mid-reply leaves no reply playing, no stale "Thinking…", and the view as the pod stored it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchWithMic, shootThemes } from "../support/browser.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const ARTIFACTS = "test-artifacts/desktop";
const TOKEN = "continuity-token";
const dataDir = mkdtempSync(join(tmpdir(), "fireside-continuity-"));
let pod: PodProcess;
let proxy: TcpProxy;
let browser: Browser;
let page: Page;

const env = { FIRESIDE_TOKEN: TOKEN, FIRESIDE_DATA_DIR: dataDir };
const appUrl = () => `http://127.0.0.1:${proxy.port}/?token=${TOKEN}`;
const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? "";
const turnTexts = async (role: "user" | "assistant") => page.getByTestId(`turn-${role}`).allTextContents();
const api = async (path: string) =>
  (await fetch(`http://127.0.0.1:${proxy.port}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();

async function say(message: string) {
  const before = (await turnTexts("assistant")).length;
  await page.getByLabel("Message").fill(message);
  await page.getByLabel("Message").press("Enter");
  await pollUntil("a reply to start", async () => (await turnTexts("assistant")).length > before, 60_000, 100);
}

async function settled() {
  await pollUntil(
    "the reply to finish",
    async () => (await page.locator('[data-testid="turn-assistant"].live').count()) === 0 && (await text("session-state")) !== "Speaking",
    120_000,
    200,
  );
}

beforeAll(async () => {
  if (!CHROMIUM && !process.env.CI) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  pod = await startPod(env);
  proxy = await startTcpProxy(pod.port);
  const silence = join(dataDir, "..", `silence-${Date.now()}.wav`);
  execFileSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", silence, "trim", "0", "1"]);
  browser = await launchWithMic(silence);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await pod?.stop();
});

describe.skipIf(!CHROMIUM && !process.env.CI)("conversations that hold together (Chromium)", () => {
  it("resumes the same session after the network drops mid-reply; every turn shows once", async () => {
    await page.goto(appUrl());
    await page.getByTestId("start").click();
    await pollUntil("the connection", async () => (await text("connection")) === "Connected", 30_000, 100);
    await page.getByRole("button", { name: "Details" }).click(); // "played" is on the dashboard
    await say("My name is Ada. Tell me a long story about a friendly robot.");
    await pollUntil("the reply to be heard", async () => Number.parseInt(await text("played"), 10) > 300, 60_000, 100);

    proxy.dropAll(); // the network path goes away mid-reply
    await pollUntil("the app to notice", async () => (await text("connection")) !== "Connected", 20_000, 50);
    await pollUntil("the app to resume", async () => (await text("connection")) === "Connected", 30_000, 100);
    await page.screenshot({ path: `${ARTIFACTS}/resumed-after-drop.png` });
    await settled();

    await say("What is my name?");
    await settled();
    const users = await turnTexts("user");
    expect(users.filter((t) => t.includes("My name is Ada"))).toHaveLength(1);
    expect(users.filter((t) => t.includes("What is my name"))).toHaveLength(1);
    expect(await turnTexts("assistant")).toHaveLength(2);

    // On the pod: one conversation, the cut reply kept only as far as it was heard.
    const { conversations } = await api("/v1/conversations");
    expect(conversations).toHaveLength(1);
    const stored = await api(`/v1/conversations/${conversations[0].id}`);
    expect(stored.history.map((t: { role: string }) => t.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(["cancelled", "interrupted", "completed"]).toContain(stored.history[1].status);
  });

  it("after a pod restart the conversation is listed, opens with its turns, and continues", async () => {
    const before = (await api("/v1/conversations")).conversations[0];
    await pod.stop();
    pod = await startPod(env);
    proxy.retarget(pod.port);
    // A fresh app (as after closing it): open History, pick the conversation, continue it.
    await page.goto(appUrl());
    await page.getByRole("button", { name: "History" }).click();
    const item = page.getByTestId("history-item").first();
    await item.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("history-item").count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/history.png` });
    await item.getByTitle("Open and continue").click();
    await pollUntil("the stored turns", async () => (await turnTexts("user")).length === 2, 20_000, 100);
    await page.getByTestId("start").click();
    await pollUntil("the connection", async () => (await text("connection")) === "Connected", 30_000, 100);
    await say("Thank you, that is all for today.");
    await settled();
    await page.screenshot({ path: `${ARTIFACTS}/continued-after-restart.png` });
    const after = await api(`/v1/conversations/${before.id}`);
    expect(after.turns).toBe(before.turns + 2);
    expect((await api("/v1/conversations")).conversations).toHaveLength(1);
  });

  it("a pod killed mid-reply: the app stops the lost reply, listens again, and shows the conversation as the pod stored it", async () => {
    await page.getByRole("button", { name: "Details" }).click();
    await say("Tell me another long story, about a brave little boat.");
    await pollUntil("the reply to be heard", async () => (await text("session-state")) === "Speaking", 60_000, 100);
    await pollUntil("the reply to be heard a while", async () => Number.parseInt(await text("played"), 10) > 1000, 60_000, 100);
    const exited = new Promise((resolve) => pod.child.once("exit", resolve));
    pod.child.kill("SIGKILL");
    await exited;
    pod = await startPod(env);
    proxy.retarget(pod.port);
    await pollUntil("connected again", async () => (await text("connection")) === "Connected", 60_000, 100);
    // A new session (the old one died with its pod): nothing is said to be playing or thinking.
    await pollUntil("the stage to listen", async () => (await text("session-state")) === "Listening", 20_000, 100);
    expect(await page.getByTestId("interrupt").isDisabled()).toBe(true);
    const { conversations } = await api("/v1/conversations");
    const stored = await api(`/v1/conversations/${conversations[0].id}`);
    const storedTexts = stored.history.map((t: { text: string }) => t.text);
    await pollUntil(
      "the view to say what the pod stored",
      async () => JSON.stringify(await page.locator('[data-testid^="turn-"] .text').allTextContents()) === JSON.stringify(storedTexts),
      20_000,
      200,
    );
    await shootThemes(page, `${ARTIFACTS}/after-pod-killed-mid-reply`);
  });
});
