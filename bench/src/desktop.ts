/** Renderer benchmarks in headless Chromium: VAD cost per 32 ms frame and capture-to-send. */
import { fileURLToPath } from "node:url";
import { CHROMIUM, launchWithMic } from "../../tests/support/browser.js";
import { startChild } from "./child.js";

export async function benchDesktop() {
  if (!CHROMIUM) return { skipped: "no Chromium at /usr/bin/chromium" };
  const child = await startChild(fileURLToPath(new URL("./instant-pod.ts", import.meta.url)));
  const browser = await launchWithMic("/dev/null");
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${child.port}/bench.html`);
    await page.waitForSelector("body[data-ready='1']", { state: "attached" });
    return await page.evaluate(() => (window as unknown as { runBench: () => Promise<unknown> }).runBench());
  } finally {
    await browser.close();
    child.stop();
  }
}
