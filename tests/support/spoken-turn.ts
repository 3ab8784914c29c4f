/** One spoken turn from a test client: a question read by espeak-ng at 16 kHz, then a microphone's silence until the reply is done. */
import type { ServerMessageOf } from "@fireside/protocol";
import { expect } from "vitest";
import type { RealtimeClient } from "./realtime-client.js";
import { synthesize } from "./speech.js";

/** Speaks `question` on a session that said hello; resolves with its transcript and how the reply ended. */
export async function askAloud(
  client: RealtimeClient,
  question: string,
): Promise<{ transcript: string; completed: ServerMessageOf<"response.completed"> }> {
  const from = client.messages.length;
  const mic = openMic(client, synthesize(question, { rate: 16000, padAfter: 2 }));
  try {
    const final = await client.waitFor("transcript.final", { timeoutMs: 120_000, from });
    const completed = await client.waitFor("response.completed", { timeoutMs: 180_000, from });
    return { transcript: final.value.text, completed: completed.value };
  } finally {
    await mic.close();
  }
}

/** Streams 16 kHz `audio` in real time, then a microphone's silence until `close` (as a real client keeps sending). */
export function openMic(client: RealtimeClient, audio: Float32Array): { close(): Promise<void> } {
  let open = true;
  const talking = (async () => {
    await client.streamAudio(audio, 16000);
    while (open && client.closeCode === null) await client.streamAudio(new Float32Array(3200), 16000);
  })();
  return {
    close: async () => {
      open = false;
      await talking;
    },
  };
}

/** "What is the capital city of France?" asked aloud: heard as asked, answered in full, in speech. */
export async function expectFranceAnswered(client: RealtimeClient): Promise<void> {
  const { transcript, completed } = await askAloud(client, "What is the capital city of France?");
  expect(transcript.toLowerCase()).toMatch(/capital|france/);
  expect(completed.status).toBe("completed");
  expect(client.frames.length).toBeGreaterThan(10);
}
