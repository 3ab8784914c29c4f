/**
 * Many pods, one service, on the real parts: PostgreSQL, Redis, three pod processes and HAProxy
 * running runpod/fleet/haproxy.cfg (the pods on instant test-double engines: what is tested here is
 * everything around the engines). Admission fills pods by free capacity and says E_BUSY only when all
 * are full; a pod killed mid-reply loses no conversation (its clients resume on a survivor with their
 * history); a rolling restart moves every session without cutting a reply.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fleet, startFleet } from "../support/fleet.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { fleetServicesMissing } from "../support/services.js";
import { Talker } from "../support/talker.js";

const missing = fleetServicesMissing();

// Two pods hold the 30 conversations of the failover test when the third is gone.
const PER_POD = 16;
let fleet: Fleet;

beforeAll(async () => {
  if (missing) return;
  fleet = await startFleet({
    instant: true,
    env: {
      FIRESIDE_MAX_SESSIONS: String(PER_POD),
      INSTANT_REPLY_SECONDS: "3",
      FIRESIDE_DRAIN_TIMEOUT_MS: "20000",
      FIRESIDE_LOG_LEVEL: "error",
    },
  });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
});

describe.skipIf(!!missing)("a fleet of three pods behind HAProxy", () => {
  it("fills pods by free capacity and says E_BUSY only when every pod is full", async () => {
    const talkers: Talker[] = [];
    for (let i = 0; i < 3 * PER_POD; i++) talkers.push(await Talker.open(fleet, i));
    expect((await fleet.servers()).map((s) => s.sessions)).toEqual([PER_POD, PER_POD, PER_POD]);
    const extra = await RealtimeClient.connect(fleet.wsUrl, { localAddress: "127.0.0.200" });
    extra.connection.hello({
      audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
    });
    const refused = await extra.waitFor("error");
    expect(refused.value).toMatchObject({ code: "E_BUSY", retryable: true });
    for (const t of talkers) t.client.close();
    await pollUntil("the pods to be empty", async () => (await fleet.servers()).every((s) => s.sessions === 0));
  });

  it("a pod killed mid-reply: its conversations resume on the survivors with their history, and go on", async () => {
    const talkers: Talker[] = [];
    for (let i = 0; i < 30; i++) talkers.push(await Talker.open(fleet, i));
    // A first turn each, answered in full and stored.
    await Promise.all(
      talkers.map(async (t, i) => {
        const id = await t.ask(`Hello from talker ${i}.`);
        expect((await t.completed(id)).status).toBe("completed");
        t.conversationId = t.client.of("conversation.started")[0]!.conversationId;
      }),
    );
    // Then all at once, and while the replies play, pod1 is killed outright.
    await Promise.all(talkers.map((t, i) => t.ask(`Tell me a story, talker ${i}.`)));
    const victim = fleet.pods[0]!;
    const onVictim = (await fleet.servers()).find((s) => s.pod === victim.id)!.sessions;
    expect(onVictim).toBeGreaterThan(0);
    await fleet.kill(victim);
    const closed = () => talkers.filter((t) => t.client.closeCode !== null);
    await pollUntil("the killed pod's sockets to close", () => closed().length === onVictim, 10_000);
    const dropped = closed();
    await Promise.all(dropped.map((t) => t.resumeAfterClose()));
    // Every conversation goes on: a new turn is answered, and its history holds every turn so far.
    await Promise.all(
      talkers.map(async (t, i) => {
        const id = await t.ask(`And now, talker ${i}?`);
        expect((await t.completed(id)).status).toBe("completed");
      }),
    );
    for (const [i, t] of talkers.entries()) {
      // Polled gently: the fleet's REST limit (600 a minute from this address) holds across the pods.
      await pollUntil(`talker ${i}'s last turn to be stored`, async () => (await t.history()).length >= 5, 30_000, 250);
      const users = (await t.history()).filter((h) => h.role === "user").map((h) => h.text);
      expect(users).toEqual([`Hello from talker ${i}.`, `Tell me a story, talker ${i}.`, `And now, talker ${i}?`]);
    }
    for (const t of talkers) t.client.close();
    await fleet.restart(victim);
  });

  it("a rolling restart moves every session to another pod once its reply has ended; no reply is cut", async () => {
    const talkers: Talker[] = [];
    for (let i = 0; i < 15; i++) talkers.push(await Talker.open(fleet, 40 + i));
    let first = true;
    for (const pod of fleet.pods) {
      // Replies in flight when the pod is told to stop.
      const inFlight = await Promise.all(talkers.map((t, i) => t.ask(`Before ${pod.id} restarts, talker ${i}.`)));
      if (first) for (const t of talkers) t.conversationId = (await t.client.waitFor("conversation.started")).value.conversationId;
      first = false;
      const onPod = talkers.map((t) => t.client);
      const code = fleet.drain(pod);
      // Each session on the draining pod finishes its reply, then is told to move.
      await Promise.all(
        talkers.map(async (t, i) => {
          expect((await t.completed(inFlight[i]!)).status).toBe("completed");
        }),
      );
      expect(await code).toBe(0);
      const moved = talkers.filter((_, i) => onPod[i]!.closeCode !== null);
      expect(moved.length).toBeGreaterThan(0);
      for (const t of moved) expect(t.client.of("session.moving")).toMatchObject([{ reason: "draining", resumeToken: t.token }]);
      await Promise.all(moved.map((t) => t.resumeAfterClose()));
      await fleet.restart(pod);
    }
    expect(talkers.every((t) => t.moved >= 1)).toBe(true);
    // Stored as heard: every reply played to its end before its session moved, none cut.
    for (const t of talkers) {
      const replies = (await t.history()).filter((h) => h.role === "assistant");
      expect(replies.map((r) => r.status)).toEqual(fleet.pods.map(() => "completed"));
    }
    for (const t of talkers) t.client.close();
  });
});
