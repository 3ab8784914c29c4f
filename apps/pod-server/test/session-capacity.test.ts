/** How many conversations a pod admits by default, on the real HTTP server with instant test-double engines. */
import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOCOL_VERSION } from "@fireside/protocol";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import { loadConfig } from "../src/config/config.js";
import { defaultSessionLimit, UNLIMITED_SESSIONS } from "../src/engines/session-capacity.js";
import { createLogger } from "../src/transport/logger.js";
import { createPodServer } from "../src/transport/pod-server.js";

const engines = createInstantEngines({ replySeconds: 1 });
const gpu = (e: typeof engines) => ({
  asr: { ...e.asr, info: { ...e.asr.info, device: "cuda" as const } },
  llm: { ...e.llm, info: { ...e.llm.info, device: "remote" as const } },
  tts: { ...e.tts, info: { ...e.tts.info, device: "cuda" as const } },
});

describe("session capacity", () => {
  it("a pod whose engines compute on the CPU admits one conversation per core, at least two; a GPU pod 64", () => {
    expect(defaultSessionLimit(engines, 2)).toBe(2);
    expect(defaultSessionLimit(engines, 1)).toBe(2);
    expect(defaultSessionLimit(engines, 8)).toBe(8);
    expect(defaultSessionLimit(gpu(engines), 2)).toBe(UNLIMITED_SESSIONS);
  });

  const sockets: WebSocket[] = [];

  it("tells the conversation beyond the default limit E_BUSY, saying why", async () => {
    const config = loadConfig({
      env: {},
      overrides: { port: 0, logLevel: "error", dataDir: mkdtempSync(join(tmpdir(), "capacity-")), maxPendingPerAddress: 100 },
    });
    const pod = createPodServer(config, createLogger("error"));
    pod.setEngines(engines);
    const port = await pod.listen();
    const hello = () =>
      new Promise<{ type: string; code?: string; message?: string }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/realtime`);
        sockets.push(ws);
        ws.once("open", () =>
          ws.send(
            JSON.stringify({
              type: "session.hello",
              protocols: [PROTOCOL_VERSION],
              audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
            }),
          ),
        );
        ws.on("message", (d) => {
          const m = JSON.parse(d.toString());
          if (m.type === "session.ready" || m.type === "error") resolve(m);
        });
        ws.once("error", reject);
      });
    const limit = Math.max(2, availableParallelism());
    for (let i = 0; i < limit; i++) expect((await hello()).type).toBe("session.ready");
    const refused = await hello();
    expect(refused.code).toBe("E_BUSY");
    expect(refused.message).toContain("FIRESIDE_MAX_SESSIONS");
    // Sockets first: their sessions' last audit lines are written before the pod closes its files.
    await Promise.all(
      sockets.splice(0).map(
        (s) =>
          new Promise((r) => {
            s.once("close", r);
            s.close();
          }),
      ),
    );
    await pod.close();
  });
});
