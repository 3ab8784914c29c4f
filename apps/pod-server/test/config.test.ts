/** The pod's settings: parsing, defaults, errors and the CLI's help. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, helpText, loadConfig, SETTINGS } from "../src/config/config.js";

describe("config", () => {
  it("--help lists every setting with its variable", () => {
    const help = helpText();
    for (const s of Object.values(SETTINGS)) expect(help).toContain(s.env);
  });
  it("layers defaults < file < env and coerces types", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ port: 9000, llmMaxTokens: 99 }));
    const c = loadConfig({ file, env: { FIRESIDE_PORT: "9100", FIRESIDE_ASR_FIT_CONTEXT: "false" } });
    expect(c.port).toBe(9100);
    expect(c.llmMaxTokens).toBe(99);
    expect(c.asrFitContext).toBe(false);
    expect(c.host).toBe("127.0.0.1");
  });
  it("names the setting when a value is bad", () => {
    expect(() => loadConfig({ env: { FIRESIDE_PORT: "70000" } })).toThrow(/FIRESIDE_PORT/);
    expect(() => loadConfig({ env: { FIRESIDE_LLM_ENGINE: "gpt" } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { FIRESIDE_LLM_ENGINE: "openai" } })).toThrow(/FIRESIDE_LLM_URL/);
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file: join(dir, "bad.json"), env: {} })).toThrow(/unknown setting.*prot/);
  });
  it("the CLI exits 2 with a clear message on bad config", () => {
    let out = "";
    try {
      execFileSync(process.execPath, ["--import", "tsx", "src/cli.ts"], {
        cwd: join(import.meta.dirname, ".."),
        env: { ...process.env, FIRESIDE_PORT: "-1" },
        stdio: "pipe",
      });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      expect(e.status).toBe(2);
      out = e.stderr.toString();
    }
    expect(out).toMatch(/invalid configuration: FIRESIDE_PORT/);
  }, 30_000); // a process start under tsx: seconds on two loaded cores
});
