/** Debian's Chromium driven by playwright-core, with a WAV file as the microphone. */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { pollUntil } from "./poll.js";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export function launchWithMic(wavPath: string): Promise<Browser> {
  if (!CHROMIUM) throw new Error("Chromium not found at /usr/bin/chromium: run bash scripts/setup.sh");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wavPath}%noloop`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** The app's settings for a page, set before it loads: a storyteller persona makes replies long enough to talk over. */
export async function useStorytellerSettings(page: Page): Promise<void> {
  await page.addInitScript(() => {
    localStorage.setItem(
      "fireside.settings",
      JSON.stringify({ persona: "You are a storyteller. Always answer with a long story of at least ten sentences.", playbackLeadMs: 300 }),
    );
  });
}

/**
 * Polls `check` like pollUntil; on a timeout it saves a screenshot to `screenshotPath` and adds
 * `describe()` (what the page showed) to the error.
 */
async function untilOnPage(
  page: Page,
  screenshotPath: string,
  describe: () => Promise<string>,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  try {
    await pollUntil(what, check, timeoutMs, everyMs);
  } catch (err) {
    await page.screenshot({ path: screenshotPath });
    throw new Error(`${(err as Error).message}; ${await describe()}`);
  }
}

/** Screenshots of the page as it is now at 820×640 and 1440×900, dark and light: `${prefix}-${width}-${scheme}.png`. */
export async function shootThemes(page: Page, prefix: string): Promise<void> {
  for (const scheme of ["dark", "light"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [820, 1440]) {
      await page.setViewportSize({ width, height: width === 820 ? 640 : 900 });
      await page.screenshot({ path: `${prefix}-${width}-${scheme}.png` });
    }
  }
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 1440, height: 900 });
}

/**
 * A Chromium test's probes of its page (a getter, as pages open in `beforeAll`): `text(testId)`,
 * and `until(what, check, timeoutMs)`, which on a timeout saves `screenshotPath` and says what the
 * `shown` test ids held.
 */
export function pageProbes(getPage: () => Page, screenshotPath: string, shown: readonly string[], everyMs = 200) {
  const text = async (testId: string) => (await getPage().getByTestId(testId).textContent()) ?? "";
  const glimpse = async (testId: string) =>
    (await getPage()
      .getByTestId(testId)
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => null)) ?? "(absent)";
  const describe = async () => (await Promise.all(shown.map(async (id) => `${id}: ${await glimpse(id)}`))).join("; ");
  const until = (what: string, check: () => Promise<boolean>, timeoutMs: number) =>
    untilOnPage(getPage(), screenshotPath, describe, what, check, timeoutMs, everyMs);
  return { text, until };
}

/**
 * axe-core's WCAG 2 A and AA rules on the page as it is now: each serious or critical violation as
 * "rule (impact): the elements it found", empty when there is none.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    // Evaluated over the debugging protocol: the pod's page forbids injected script tags (its CSP).
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8"));
  }
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<Result> } }).axe;
    const { violations } = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}
