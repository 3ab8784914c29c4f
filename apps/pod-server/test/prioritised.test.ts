/** Live turns go before studio work on engines that serve one request at a time. */
import { describe, expect, it } from "vitest";
import { prioritisedAsr, prioritisedSpeaker } from "../src/engines/prioritised.js";
import type { AsrEngine, SpeakerEncoder } from "../src/engines/types.js";

/** An engine double that finishes each request only when the test says so, and notes the order. */
function gatedAsr() {
  const order: string[] = [];
  const gates: (() => void)[] = [];
  const asr: AsrEngine = {
    info: { name: "gated (test double)", model: "none", device: "cpu" },
    sampleRate: 16000,
    supportsPartials: false,
    transcribe: (audio) =>
      new Promise((resolve) => {
        order.push(String(audio.length));
        gates.push(() => resolve({ text: String(audio.length), language: "en" }));
      }),
    close: async () => {},
  };
  const step = async () => {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  };
  return { asr, order, step };
}

describe("prioritised engines", () => {
  it("runs a live transcription before studio ones that were waiting, one at a time", async () => {
    const { asr, order, step } = gatedAsr();
    const p = prioritisedAsr(asr);
    const running = p.transcribe(new Float32Array(1), { priority: "studio" });
    const studio = [p.transcribe(new Float32Array(2), { priority: "studio" }), p.transcribe(new Float32Array(3), { priority: "studio" })];
    const live = p.transcribe(new Float32Array(4), {});
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["1"]); // one at a time
    for (let i = 0; i < 4; i++) await step();
    await Promise.all([running, ...studio, live]);
    expect(order).toEqual(["1", "4", "2", "3"]);
  });

  it("a failed request frees the engine for the next", async () => {
    let calls = 0;
    const speaker: SpeakerEncoder = {
      info: { name: "failing (test double)", model: "none", device: "cpu" },
      sampleRate: 16000,
      embed: async () => {
        calls++;
        if (calls === 1) throw new Error("boom");
        return { embedding: new Float32Array(1), partials: [] };
      },
      close: async () => {},
    };
    const p = prioritisedSpeaker(speaker);
    await expect(p.embed(new Float32Array(1), { priority: "studio" })).rejects.toThrow("boom");
    await expect(p.embed(new Float32Array(1))).resolves.toMatchObject({ partials: [] });
  });
});
