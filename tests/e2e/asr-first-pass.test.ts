/**
 * The optional ASR first pass in the real server (FIRESIDE_ASR_FIRST_PASS=moonshine-tiny-en):
 * a clear question is answered from Moonshine's words, speech it cannot read goes on to Whisper,
 * and /metrics says which happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { synthesize } from "../support/speech.js";

let pod: PodProcess;
beforeAll(async () => {
  pod = await startPod({ FIRESIDE_ASR_FIRST_PASS: "moonshine-tiny-en" });
});
afterAll(async () => {
  await pod?.stop();
});

async function firstPassCount(outcome: string): Promise<number> {
  const text = await (await fetch(`${pod.url}/metrics`)).text();
  return Number(text.match(new RegExp(`^fireside_asr_first_pass_total\\{outcome="${outcome}"\\} (\\d+)`, "m"))?.[1] ?? 0);
}

/** Streams `audio` with silence after it until the reply to it has completed. */
async function turn(client: RealtimeClient, audio: Float32Array) {
  const from = client.messages.length;
  let done = false;
  const talking = (async () => {
    await client.streamAudio(audio, 16000);
    while (!done) await client.streamAudio(new Float32Array(3200), 16000);
  })();
  const final = await client.waitFor("transcript.final", { from, timeoutMs: 60_000 });
  await client.waitFor("response.completed", { from, timeoutMs: 90_000 });
  done = true;
  await talking;
  return final.value;
}

describe("ASR first pass (Moonshine, then Whisper when unsure)", () => {
  it("answers a clear question from Moonshine's words and sends speech it cannot read to Whisper", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    const ready = await client.hello({ language: "en" }, 16000);
    expect(ready.capabilities.engines.asr.model).toBe("moonshine-tiny-en then whisper-base");

    const clear = await turn(client, synthesize("What time is it?", { rate: 16000 }));
    expect(clear.text).toMatch(/what time is it/i);
    expect(clear.confidence).toBeGreaterThanOrEqual(0.9);
    expect(await firstPassCount("kept")).toBeGreaterThanOrEqual(1);

    const fallbacks = await firstPassCount("fallback");
    const german = synthesize("Guten Morgen, wie geht es dir heute? Ich habe gut geschlafen.", { rate: 16000, espeakVoice: "de" });
    expect((await turn(client, german)).text.length).toBeGreaterThan(0);
    expect(await firstPassCount("fallback")).toBeGreaterThan(fallbacks);
    client.close();
  });
});
