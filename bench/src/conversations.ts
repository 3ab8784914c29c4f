/**
 * Several spoken conversations at once on one pod (default CPU engines): 1, 2 and 4 clients, each
 * streaming questions in real time through the server's VAD, all at the same time. Reports
 * voice-to-voice and the stages per number of conversations, and what the pod tells one more
 * client than it admits.
 */
import { startPod } from "../../tests/support/pod-process.js";
import { RealtimeClient } from "../../tests/support/realtime-client.js";
import { speakUtterance, summarise, utterances } from "./spoken-turns.js";

/** Questions per conversation at each level (synthesised ones: the clips are too long to overlap evenly). */
const PER_CONVERSATION = 6;

export async function benchConversations(levels = [1, 2, 4]) {
  const pool = utterances().filter((u) => u.name.startsWith("espeak") || u.name.startsWith("flite"));
  const pod = await startPod({ FIRESIDE_MAX_SESSIONS: String(Math.max(...levels)) });
  const results: Record<string, unknown> = {};
  try {
    for (const n of levels) {
      const clients = await Promise.all(
        Array.from({ length: n }, async () => {
          const c = await RealtimeClient.connect(pod.wsUrl);
          await c.hello({ language: "en" });
          return c;
        }),
      );
      const rows = (
        await Promise.all(
          clients.map(async (c, i) => {
            const out = [];
            // Each client starts at a different question, and a little later, so turns do not line up.
            await new Promise((r) => setTimeout(r, i * 700));
            for (let k = 0; k < PER_CONVERSATION; k++) out.push(await speakUtterance(c, pool[(i * 5 + k) % pool.length]!));
            return out;
          }),
        )
      ).flat();
      results[`${n}`] = summarise(rows);
      process.stderr.write(
        `  ${n} conversation(s): voice-to-voice ${JSON.stringify((results[`${n}`] as { voiceToVoiceMs: unknown }).voiceToVoiceMs)}\n`,
      );
      if (n === Math.max(...levels)) {
        // One more than the pod admits: what does it say?
        const extra = await RealtimeClient.connect(pod.wsUrl);
        const answer = await Promise.race([
          extra.hello({ language: "en" }).then(() => "admitted"),
          extra.waitFor("error").then(({ value }) => `${value.code}: ${value.message}`),
        ]);
        results.beyondLimit = { maxSessions: n, answer };
        extra.close();
      }
      for (const c of clients) c.close();
    }
  } catch (e) {
    process.stderr.write(pod.stderr().slice(-6000));
    throw e;
  } finally {
    await pod.stop();
  }
  return {
    what: "N spoken conversations at once, each streaming questions in real time (server VAD, default CPU engines, loopback)",
    perConversation: PER_CONVERSATION,
    byConversations: results,
  };
}
