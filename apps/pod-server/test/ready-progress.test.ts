/** /ready while models load: 503 with which stage is loading, which file is downloading and how far, for the app to show. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/transport/logger.js";
import { createPodServer } from "../src/transport/pod-server.js";

describe("/ready while loading", () => {
  it("reports the stage being loaded, the model being fetched and its progress", async () => {
    const config = loadConfig({
      env: {},
      overrides: { port: 0, dataDir: mkdtempSync(join(tmpdir(), "ready-")), webDir: "", logLevel: "error", podId: "pod-a" },
    });
    const pod = createPodServer(
      config,
      createLogger("error", () => {}),
    );
    const port = await pod.listen();
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/ready`)).json()).toEqual({
        ready: false,
        pod: "pod-a",
        state: { database: "ok" },
      });
      pod.setLoadingStage("speech recognition (whisper-base)");
      pod.setLoading({ model: "whisper-base", file: "ggml-base.bin", receivedBytes: 37, totalBytes: 148 });
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        ready: false,
        pod: "pod-a",
        state: { database: "ok" },
        loading: { model: "whisper-base", file: "ggml-base.bin", receivedBytes: 37, totalBytes: 148, fraction: 0.25 },
        stage: "speech recognition (whisper-base)",
      });
    } finally {
      await pod.close();
    }
  });
});
