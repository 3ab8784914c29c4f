/**
 * Failover in a fleet (PostgreSQL, Redis, three pods on instant test-double engines behind HAProxy,
 * as tests/support/fleet.ts starts it): 30 conversations with a reply playing in each; then one pod
 * killed outright, and afterwards a rolling restart (each pod drained, started again). Reports, for
 * the conversations that had to move, the time from the kill (or from session.moving) to the audio of
 * their next reply on a surviving pod, and turns lost (user turns asked but not stored).
 */
import { type Fleet, startFleet } from "../../tests/support/fleet.js";
import type { Talker as TalkerT } from "../../tests/support/talker.js";
import { Talker } from "../../tests/support/talker.js";
import { percentile } from "./child.js";

const CONVERSATIONS = 30;

const stats = (ms: number[]) => ({
  n: ms.length,
  p50: Math.round(percentile(ms, 50)),
  p99: Math.round(percentile(ms, 99)),
  max: Math.round(Math.max(...ms)),
});

/** The user turns asked but not stored. */
async function lostTurns(talkers: TalkerT[], asked: Map<TalkerT, string[]>): Promise<string[]> {
  const lost: string[] = [];
  for (const t of talkers) {
    const stored = new Set((await t.history()).filter((h) => h.role === "user").map((h) => h.text));
    lost.push(...(asked.get(t) ?? []).filter((q) => !stored.has(q)));
  }
  return lost;
}

export async function benchFailover() {
  const fleet: Fleet = await startFleet({
    instant: true,
    env: { FIRESIDE_MAX_SESSIONS: "16", INSTANT_REPLY_SECONDS: "3", FIRESIDE_DRAIN_TIMEOUT_MS: "20000", FIRESIDE_LOG_LEVEL: "error" },
  });
  const asked = new Map<TalkerT, string[]>();
  const ask = async (t: TalkerT, q: string) => {
    asked.set(t, [...(asked.get(t) ?? []), q]);
    return t.ask(q);
  };
  try {
    const talkers: TalkerT[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) talkers.push(await Talker.open(fleet, i));
    await Promise.all(
      talkers.map(async (t, i) => {
        await t.completed(await ask(t, `Hello from ${i}.`));
        t.conversationId = t.client.of("conversation.started")[0]!.conversationId;
      }),
    );

    // A pod killed with a reply playing in every conversation.
    const stories = await Promise.all(talkers.map((t, i) => ask(t, `Story for ${i}.`)));
    const victim = fleet.pods[0]!;
    const onVictim = (await fleet.servers()).find((s) => s.pod === victim.id)!.sessions;
    const killedAt = performance.now();
    await fleet.kill(victim);
    while (talkers.filter((t) => t.client.closeCode !== null).length < onVictim) await new Promise((r) => setTimeout(r, 10));
    const dropped = new Set(talkers.filter((t) => t.client.closeCode !== null));
    const afterKill: number[] = [];
    await Promise.all(
      talkers.map(async (t, i) => {
        if (!dropped.has(t)) return t.completed(stories[i]!);
        await t.resumeAfterClose();
        const id = await ask(t, `After the kill, ${i}.`);
        afterKill.push(performance.now() - killedAt);
        return t.completed(id);
      }),
    );
    await fleet.restart(victim);

    // A rolling restart with replies in flight: each pod drained, then started again.
    const fromMove: number[] = [];
    const fromSignal: number[] = [];
    for (const pod of fleet.pods) {
      const inFlight = await Promise.all(talkers.map((t, i) => ask(t, `Before ${pod.id} restarts, ${i}.`)));
      const clients = talkers.map((t) => t.client);
      const signalledAt = performance.now();
      const exited = fleet.drain(pod);
      await Promise.all(talkers.map((t, i) => t.completed(inFlight[i]!)));
      await exited;
      await Promise.all(
        talkers.map(async (t, i) => {
          if (clients[i]!.closeCode === null) return;
          const movedAt = clients[i]!.messages.find((m) => m.value.type === "session.moving")?.at ?? signalledAt;
          await t.resumeAfterClose();
          const id = await ask(t, `After ${pod.id} moved, ${i}.`);
          const now = performance.now();
          fromMove.push(now - movedAt);
          fromSignal.push(now - signalledAt);
          await t.completed(id);
        }),
      );
      await fleet.restart(pod);
    }
    const lost = await lostTurns(talkers, asked);
    // Replies stored as anything but completed: a drain must never cut one.
    let cutReplies = 0;
    for (const t of talkers) cutReplies += (await t.history()).filter((h) => h.role === "assistant" && h.status !== "completed").length;
    for (const t of talkers) t.client.close();
    const result = {
      engines: "instant test doubles (3 s replies); PostgreSQL, Redis and HAProxy real, on this machine",
      conversations: CONVERSATIONS,
      kill: { moved: dropped.size, killToNextReplyAudioMs: stats(afterKill) },
      rollingRestart: { moved: fromMove.length, moveToNextReplyAudioMs: stats(fromMove), signalToNextReplyAudioMs: stats(fromSignal) },
      lostTurns: lost.length,
      cutReplies,
      lost,
      askedTurns: [...asked.values()].reduce((n, qs) => n + qs.length, 0),
    };
    process.stderr.write(`  ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await fleet.stop();
  }
}
