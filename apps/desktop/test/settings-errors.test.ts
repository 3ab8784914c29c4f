/** Settings errors in plain language. */
import { describe, expect, it } from "vitest";
import { checkSetting, correctPodUrl, explainSettingsError, settingsSchema } from "../src/shared/settings";

describe("settings in plain language", () => {
  it("explains a bad value in a sentence naming the field, and accepts a good one", () => {
    expect(checkSetting("podUrl", "http://my-pod:8787")).toBe(
      "Pod URL must start with ws:// or wss://, like ws://127.0.0.1:8787/v1/realtime.",
    );
    expect(checkSetting("language", "e")).toBe("Language must be a language code such as en or fr.");
    expect(checkSetting("podUrl", "wss://abc-8787.proxy.runpod.net/v1/realtime")).toBeNull();
  });

  it("turns a validation error that crossed IPC as text into the same kind of sentence", () => {
    const r = settingsSchema.partial().safeParse({ podUrl: "nope" });
    expect(r.success).toBe(false);
    const overIpc = new Error(`Error invoking remote method 'settings:set': ZodError: ${r.error!.message}`);
    expect(explainSettingsError(overIpc)).toBe("Pod URL must start with ws:// or wss://, like ws://127.0.0.1:8787/v1/realtime.");
    expect(explainSettingsError(new Error("disk full"))).toBe("disk full");
  });

  it("corrects the addresses people paste instead of refusing them, and leaves the rest to the check", () => {
    expect(correctPodUrl("my-pod:8787")).toBe("ws://my-pod:8787/v1/realtime");
    expect(correctPodUrl(" http://10.0.0.5:8787 ")).toBe("ws://10.0.0.5:8787/v1/realtime");
    expect(correctPodUrl("https://abc-8787.proxy.runpod.net/")).toBe("wss://abc-8787.proxy.runpod.net/v1/realtime");
    expect(correctPodUrl("abc-8787.proxy.runpod.net")).toBe("wss://abc-8787.proxy.runpod.net/v1/realtime");
    expect(correctPodUrl("ws://127.0.0.1:8787")).toBe("ws://127.0.0.1:8787/v1/realtime");
    // A path the person chose stays, even a wrong one (the connection then says what it found).
    expect(correctPodUrl("ws://127.0.0.1:8787/v1/realtim")).toBe("ws://127.0.0.1:8787/v1/realtim");
    expect(checkSetting("podUrl", correctPodUrl("ftp://pod:21"))).toMatch(/must start with ws:\/\/ or wss:\/\//);
  });
});
