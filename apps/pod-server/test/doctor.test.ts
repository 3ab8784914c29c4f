/** `pnpm run doctor` on a broken setup names each problem and its fix; on this machine's working setup it says ready. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TEST_ENV } from "../../../tests/support/pod-process.js";

const serverDir = fileURLToPath(new URL("..", import.meta.url));

function doctor(env: Record<string, string>, args: string[] = []) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/doctor/cli.ts", ...args], {
    cwd: serverDir,
    env: { ...process.env, ...TEST_ENV, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("pnpm run doctor", () => {
  it("names a missing model, a taken port and an unwritable data directory, each with its fix, and exits 1", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as AddressInfo).port;
    const file = join(mkdtempSync(join(tmpdir(), "doctor-")), "not-a-dir");
    writeFileSync(file, "");
    try {
      const { code, out } = doctor({
        FIRESIDE_MODELS_DIR: mkdtempSync(join(tmpdir(), "doctor-models-")),
        FIRESIDE_PORT: String(port),
        FIRESIDE_DATA_DIR: join(file, "data"),
      });
      expect(code).toBe(1);
      expect(out).toMatch(/FAIL model silero-vad-v5: not downloaded .*\n\s+fix: run pnpm models silero-vad-v5/);
      expect(out).toMatch(/FAIL model whisper-base: not downloaded/);
      expect(out).toMatch(new RegExp(`FAIL port: 127\\.0\\.0\\.1:${port} is taken by another process.*\\n\\s+fix: stop it`));
      expect(out).toMatch(/FAIL data directory: cannot write in .*not-a-dir\/data \(ENOTDIR\)\n\s+fix: make FIRESIDE_DATA_DIR a directory/);
      expect(out).toMatch(/engines: not loaded until the models above are there/);
      expect(out).toMatch(/problems to fix: .*model silero-vad-v5.*port.*data directory/);
    } finally {
      taken.close();
    }
  }, 60_000);

  it("says a working CPU setup is ready, after loading each engine and running it once", () => {
    const { code, out } = doctor({ FIRESIDE_PORT: "0", FIRESIDE_DATA_DIR: mkdtempSync(join(tmpdir(), "doctor-data-")) });
    expect(out).toMatch(/^ok {3}engine vad: silero/m);
    expect(out).toMatch(/^ok {3}engine asr: whisper-cpp/m);
    expect(out).toMatch(/^ok {3}engine llm: llama-cpp \(smollm2-135m\): answered/m);
    expect(out).toMatch(/^ok {3}engine tts: piper .* of speech for "Hello\."/m);
    expect(out).toMatch(/Ready to run/);
    expect(code).toBe(0);
  }, 120_000);
});
