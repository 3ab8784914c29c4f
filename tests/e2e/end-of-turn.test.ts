/**
 * How a turn ends, on the real pod with its end-of-turn model (Smart Turn v3.2) and CPU engines:
 * a sentence with a thinking pause after "um" stays one turn, and a short finished answer ends on
 * the short wait because the model heard it finished. Asserts the decisions the pod reports
 * (`turn.metrics.endOfTurn`), never a latency.
 */
import { concatFloat32 } from "@fireside/audio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { synthesize } from "../support/speech.js";
import { openMic } from "../support/spoken-turn.js";

let pod: PodProcess;
beforeAll(async () => {
  // Chosen explicitly: "auto" leaves it off on a 2-core machine (it slowed turns there).
  pod = await startPod({ FIRESIDE_TURN_MODEL: "smart-turn-v3.2" });
});
afterAll(async () => {
  await pod?.stop();
});

/** Streams `audio` in real time, then a microphone's silence until the reply has completed. */
async function speakAndWait(client: RealtimeClient, audio: Float32Array) {
  const from = client.messages.length;
  const mic = openMic(client, audio);
  try {
    const completed = await client.waitFor("response.completed", { timeoutMs: 120_000, from });
    const metrics = await client.waitFor("turn.metrics", { timeoutMs: 30_000, from });
    return { completed: completed.value, metrics: metrics.value, from };
  } finally {
    await mic.close();
  }
}

describe("how a turn ends (server VAD, end-of-turn model)", () => {
  it("reports the model and waits through a 1.5 s pause after 'um': one turn, one transcript with both halves", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    try {
      const ready = await client.hello({ language: "en" });
      expect(ready.capabilities.degraded).toEqual([]);
      // The pause is the silence between the halves: espeak-ng's own edges are trimmed to none.
      const first = synthesize("I went to the shop and um", { rate: 16000, padAfter: 0 });
      const second = synthesize("bought some bread for dinner.", { rate: 16000, padBefore: 0 });
      const { metrics, from } = await speakAndWait(client, concatFloat32([first, new Float32Array(16000 * 1.5), second]));
      const since = (type: string) => client.messages.slice(from).filter((m) => m.value.type === type);
      const finals = since("transcript.final").map((m) => m.value as { text: string });
      expect(finals).toHaveLength(1);
      expect(finals[0]!.text.toLowerCase()).toMatch(/shop[\s\S]*bread/);
      expect(since("input.committed")).toHaveLength(1);
      expect(metrics.endOfTurn).toBeDefined();
    } finally {
      client.close();
    }
  });

  it("ends 'Tell me a joke.' on the short wait, because the audio sounds finished", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    try {
      await client.hello({ language: "en" });
      const { metrics } = await speakAndWait(client, synthesize("Tell me a joke.", { rate: 16000 }));
      expect(metrics.endOfTurn).toMatchObject({ rule: "audio_finished", waitMs: 300 });
      expect(metrics.endOfTurn!.probability).toBeGreaterThanOrEqual(0.5);
    } finally {
      client.close();
    }
  });
});
