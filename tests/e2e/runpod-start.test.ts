/**
 * A GPU-less dry run of runpod/start.sh: a fake "Hugging Face" of tiny files served over file://,
 * a temporary volume, the FireRedTTS2 worker's test double, and the registry models the other
 * tests use. Proves the volume layout, skip-when-present, checksum failures, and signal forwarding.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function fakeHub() {
  const dir = mkdtempSync(join(tmpdir(), "fake-hub-"));
  const files: Record<string, string> = {
    "config_llm.json": '{"fake":true}',
    "codec.pt": "codec",
    "llm_pretrain.pt": "monologue weights",
    "llm_posttrain.pt": "dialogue weights",
    "Qwen2.5-1.5B/tokenizer.json": "{}",
  };
  const modes: Record<string, string> = { "llm_pretrain.pt": " monologue", "llm_posttrain.pt": " dialogue" };
  const lines: string[] = [];
  for (const [p, body] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), body);
    lines.push(`${p} ${body.length} ${p === "codec.pt" ? sha(body) : "-"}${modes[p] ?? ""}`);
  }
  const manifest = join(dir, "manifest.txt");
  writeFileSync(manifest, `# test manifest\n${lines.join("\n")}\n`);
  // Upstream's code as GitHub serves a commit's archive: one top folder holding the package.
  mkdirSync(join(dir, "src/FireRedTTS2-abc1234/fireredtts2"), { recursive: true });
  writeFileSync(join(dir, "src/FireRedTTS2-abc1234/fireredtts2/__init__.py"), "");
  execFileSync("tar", ["czf", join(dir, "code.tar.gz"), "-C", join(dir, "src"), "FireRedTTS2-abc1234"]);
  return { dir, manifest, files, code: `file://${join(dir, "code.tar.gz")}` };
}

function run(env: Record<string, string>) {
  const child = spawn("bash", [join(root, "runpod/start.sh")], {
    env: {
      ...process.env,
      FIRESIDE_DRY_RUN: "1",
      FIRESIDE_PORT: "0",
      FIRESIDE_HOST: "127.0.0.1",
      FIRESIDE_FIREREDTTS2_WORKER: "test-double",
      FIRESIDE_ASR_MODEL: "whisper-tiny.en",
      FIRESIDE_LLM_MODEL: "smollm2-135m",
      FIRESIDE_LLM_THREADS: "1",
      FIRESIDE_LOG_LEVEL: "warn",
      // The registry models are already in the shared cache (pnpm models); reuse it.
      FIRESIDE_MODELS_DIR: process.env.FIRESIDE_MODELS_DIR ?? join(process.env.HOME ?? "/root", ".cache/fireside/models"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = async (timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!/"event":"ready"/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`start.sh not ready (exit ${child.exitCode})\n${err.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return Number(/"event":"ready","port":(\d+)/.exec(out)![1]);
  };
  return { child: child as ChildProcess, exited, ready, log: () => err };
}

describe("runpod/start.sh (dry run, no GPU)", () => {
  it("fetches to the volume once, serves, forwards SIGTERM, and skips the download next boot", async () => {
    const hub = fakeHub();
    const volume = mkdtempSync(join(tmpdir(), "volume-"));
    const env = {
      FIRESIDE_VOLUME: volume,
      FIRESIDE_FIREREDTTS2_BASE_URL: `file://${hub.dir}`,
      FIRESIDE_FIREREDTTS2_MANIFEST: hub.manifest,
      FIRESIDE_FIREREDTTS2_CODE_URL: hub.code,
      FIRESIDE_FIREREDTTS2_COMMIT: "abc1234",
    };

    const first = run(env);
    const port = await first.ready();
    const firered = join(volume, "models/fireredtts2");
    for (const [p, body] of Object.entries(hub.files)) {
      if (p === "llm_posttrain.pt")
        expect(existsSync(join(firered, p))).toBe(false); // the default mode is monologue
      else expect(readFileSync(join(firered, p), "utf8")).toBe(body);
    }
    expect(existsSync(join(firered, ".complete.monologue"))).toBe(true);
    expect(readFileSync(join(firered, "SHA256SUMS.monologue"), "utf8")).toContain(sha("codec"));
    expect(existsSync(join(volume, "models/fireredtts2-code/abc1234/fireredtts2/__init__.py"))).toBe(true);
    const ready = await (await fetch(`http://127.0.0.1:${port}/ready`)).json();
    expect(ready.engines.tts).toMatchObject({ name: "fireredtts2", model: "tone-double" });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/fireside_tts_queue_depth 0/);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.log()).toMatch(/received TERM, stopping/);

    const second = run(env);
    await second.ready();
    expect(second.log()).toMatch(/FireRedTTS2 monologue weights present .* skipping download/);
    expect(second.log()).toMatch(/FireRedTTS2 code abc1234 present/);
    expect(second.log()).not.toMatch(/downloading/);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    // Switching the pod to dialogue mode fetches only the other checkpoint.
    const third = run({ ...env, FIRESIDE_FIREREDTTS2_MODE: "dialogue" });
    await third.ready();
    expect(third.log()).toMatch(/downloading llm_posttrain\.pt/);
    expect(third.log()).toMatch(/have codec\.pt/);
    expect(third.log()).not.toMatch(/downloading (codec|llm_pretrain)/);
    expect(readFileSync(join(firered, "llm_posttrain.pt"), "utf8")).toBe("dialogue weights");
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  });

  it("serves degraded on Piper when a download fails its checksum, saying why, and leaves no partial file", async () => {
    const hub = fakeHub();
    writeFileSync(join(hub.dir, "codec.pt"), "cOdEc"); // same length, different bytes
    const volume = mkdtempSync(join(tmpdir(), "volume-"));
    const r = run({
      FIRESIDE_VOLUME: volume,
      FIRESIDE_FIREREDTTS2_BASE_URL: `file://${hub.dir}`,
      FIRESIDE_FIREREDTTS2_MANIFEST: hub.manifest,
      FIRESIDE_FIREREDTTS2_CODE_URL: hub.code,
    });
    const port = await r.ready();
    expect(r.log()).toMatch(/codec\.pt: checksum mismatch/);
    expect(r.log()).toMatch(/FireRedTTS2's weights are unavailable; the pod will serve with Piper/);
    expect(existsSync(join(volume, "models/fireredtts2/codec.pt.part"))).toBe(false);
    expect(existsSync(join(volume, "models/fireredtts2/.complete.monologue"))).toBe(false);
    const ready = await (await fetch(`http://127.0.0.1:${port}/ready`)).json();
    expect(ready.status).toBe("degraded");
    expect(ready.engines.tts.name).toBe("piper");
    expect(ready.degraded).toEqual([expect.objectContaining({ stage: "tts", reason: expect.stringMatching(/missing codec\.pt/) })]);
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });

  it("refuses a missing volume and, outside a dry run, an empty token", async () => {
    const r = run({ FIRESIDE_VOLUME: "/nonexistent/volume" });
    expect(await r.exited).toBe(1);
    expect(r.log()).toMatch(/volume \/nonexistent\/volume does not exist/);
    const volume = mkdtempSync(join(tmpdir(), "volume-"));
    const t = run({ FIRESIDE_VOLUME: volume, FIRESIDE_DRY_RUN: "0", FIRESIDE_TOKEN: "" });
    expect(await t.exited).toBe(1);
    expect(t.log()).toMatch(/FIRESIDE_TOKEN is empty/);
  });
});
