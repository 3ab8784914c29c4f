/**
 * The fleet's shipped configuration holds together: runpod/fleet/compose.yaml gives HAProxy every
 * variable runpod/fleet/haproxy.cfg reads, HAProxy itself accepts the result, and the agent's
 * answers are what the config's weights and limits assume.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { installed } from "../../../tests/support/services.js";
import { agentReply } from "../src/fleet/agent.js";

const CFG = new URL("../../../runpod/fleet/haproxy.cfg", import.meta.url);
const COMPOSE = new URL("../../../runpod/fleet/compose.yaml", import.meta.url);
const hasHaproxy = installed("haproxy");
if (!hasHaproxy && process.env.CI) throw new Error("CI must check the shipped HAProxy config: haproxy is not installed");

describe("the fleet's shipped configuration", () => {
  const cfg = readFileSync(CFG, "utf8");
  const compose = parse(readFileSync(COMPOSE, "utf8"), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
  };
  const haproxyEnv = compose.services.haproxy!.environment!;

  it("compose gives HAProxy every variable its config reads, and a pod service for every server", () => {
    const used = [...cfg.matchAll(/"\$\{(\w+)\}"/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(haproxyEnv, name).toHaveProperty(name);
    const servers = new Set([...cfg.matchAll(/^\s*server (pod\d+)\b/gm)].map((m) => m[1]!));
    for (const pod of servers) {
      expect(compose.services[pod]?.environment).toMatchObject({ FIRESIDE_POD_ID: pod, FIRESIDE_TRUST_PROXY: "true" });
    }
  });

  it.skipIf(!hasHaproxy)("HAProxy accepts it with compose's values", () => {
    const env = { ...process.env, ...haproxyEnv, FIRESIDE_POD1: "127.0.0.1:1", FIRESIDE_POD2: "127.0.0.1:2", FIRESIDE_POD3: "127.0.0.1:3" };
    expect(() => execFileSync("haproxy", ["-c", "-q", "-f", CFG.pathname], { env, stdio: "pipe" })).not.toThrow();
  });

  it("the agent answers drain while draining, else its limit plus the sockets it lets wait for a hello, and a weight of its limit", () => {
    expect(agentReply({ draining: true, limit: 8, pending: 256 })).toBe("drain\n");
    expect(agentReply({ draining: false, limit: 8, pending: 256 })).toBe("ready maxconn:264 8%\n");
    expect(agentReply({ draining: false, limit: 600, pending: 256 })).toBe("ready maxconn:856 100%\n");
    expect(agentReply({ draining: false, limit: 0, pending: 0 })).toBe("ready maxconn:2 1%\n");
  });
});
