/**
 * Sounds during a reply on the real pod (CPU engines, server VAD; the client sends its open
 * microphone and nothing else): a cough or a "mm-hm" leaves the reply to finish whole, a real
 * barge-in stops it and is the next turn with its first word. Asserts what the pod decided and
 * what the conversation keeps, never a latency.
 */
import { concatFloat32 } from "@fireside/audio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cough } from "../support/clips.js";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { synthesize } from "../support/speech.js";
import { openMic } from "../support/spoken-turn.js";

let pod: PodProcess;
beforeAll(async () => {
  pod = await startPod({});
});
afterAll(async () => {
  await pod?.stop();
});

/**
 * A typed question with a long reply; once a second of it has played, `sound` goes into the open
 * microphone, then silence until the reply has ended (completed, or stopped and the next turn heard).
 */
async function soundDuringReply(sound: Float32Array, { expectTurn = false } = {}) {
  const client = await RealtimeClient.connect(pod.wsUrl);
  await client.hello({ language: "en" });
  client.startPlayback();
  client.send({ type: "input.text", text: "Tell me a long story about a lighthouse keeper and his dog." });
  const started = (await client.waitFor("response.audio.started", { timeoutMs: 120_000 })).value;
  await pollUntil("a second of the reply to play", () => client.player.stats.played >= started.format.sampleRate, 60_000);
  const from = client.messages.length;
  const mic = openMic(client, concatFloat32([sound, new Float32Array(16000)]));
  try {
    const completed = await client.waitFor("response.completed", {
      from,
      timeoutMs: 180_000,
      pred: (m) => m.responseId === started.responseId,
    });
    if (expectTurn) await client.waitFor("response.created", { from, timeoutMs: 120_000 });
    const after = client.messages.slice(from).map((m) => m.value);
    // What the pod said about the reply (its text and captions go on meanwhile).
    const mine = after
      .filter((m) => "responseId" in m && m.responseId === started.responseId && !/delta|caption|metrics/.test(m.type))
      .map((m) => m.type);
    return { client, completed: completed.value, after, mine, started };
  } finally {
    await mic.close();
  }
}

describe("sounds during a reply (server VAD)", () => {
  it("a cough does not end the reply: it plays to its end and the cough is no turn", async () => {
    const { client, completed, after, mine } = await soundDuringReply(cough(3));
    try {
      expect(completed.status).toBe("completed");
      expect(mine).not.toContain("response.interrupted");
      // Paused at most, and then resumed as a noise.
      if (mine.includes("response.paused"))
        expect(after).toContainEqual(expect.objectContaining({ type: "response.resumed", reason: "noise" }));
      expect(after.filter((m) => m.type === "input.committed")).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('"mm-hm" pauses the reply, which resumes and is kept whole; the backchannel is no turn', async () => {
    const { client, completed, after, mine, started } = await soundDuringReply(
      synthesize("mm hmm", { rate: 16000, padBefore: 0, padAfter: 0 }),
    );
    try {
      expect(mine).toEqual(expect.arrayContaining(["response.paused", "response.resumed"]));
      expect(mine.indexOf("response.paused")).toBeLessThan(mine.indexOf("response.resumed"));
      expect(after).toContainEqual(
        expect.objectContaining({ type: "response.resumed", responseId: started.responseId, reason: expect.any(String) }),
      );
      expect(completed.status).toBe("completed");
      expect(mine).not.toContain("response.interrupted");
      expect(after.filter((m) => m.type === "input.committed")).toEqual([]);
    } finally {
      client.close();
    }
  });

  it("a real barge-in stops the reply at once and becomes the next turn, its first word kept", async () => {
    const { client, completed, after, mine } = await soundDuringReply(
      synthesize("Stop, tell me about the moon instead.", { rate: 16000, padBefore: 0, padAfter: 0 }),
      { expectTurn: true },
    );
    try {
      expect(mine[0]).toBe("response.paused");
      expect(mine).toContain("response.interrupted");
      expect(mine).not.toContain("response.resumed");
      expect(completed.status).toBe("interrupted");
      const final = after.find((m) => m.type === "transcript.final");
      expect(final?.type === "transcript.final" && final.text.toLowerCase()).toMatch(/^stop\b.*tell me/);
    } finally {
      client.close();
    }
  });
});
