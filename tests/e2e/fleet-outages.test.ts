/**
 * The fleet's shared parts going away and coming back (real PostgreSQL and Redis, two pods on
 * instant test-double engines behind HAProxy): the pods stay up and keep answering, say what is
 * missing in /ready and with typed errors, and recover by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fleet, startFleet } from "../support/fleet.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { fleetServicesMissing } from "../support/services.js";

const missing = fleetServicesMissing();

let fleet: Fleet;
beforeAll(async () => {
  if (missing) return;
  fleet = await startFleet({ pods: 2, instant: true, env: { INSTANT_REPLY_SECONDS: "1", FIRESIDE_LOG_LEVEL: "error" } });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
});

const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/ready`)).json();

async function turn(client: RealtimeClient, text: string) {
  const from = client.messages.length;
  client.send({ type: "input.text", text });
  const done = await client.waitFor("response.completed", { from });
  return { done: done.value, from };
}

describe.skipIf(!!missing)("a fleet when PostgreSQL or Redis goes away", () => {
  it("PostgreSQL down: turns are answered with E_STORAGE_UNAVAILABLE for what was not stored, REST says 503; all back once it returns", async () => {
    const client = await RealtimeClient.connect(fleet.wsUrl);
    await client.hello();
    await turn(client, "First, while all is well.");
    const conversationId = (await client.waitFor("conversation.started")).value.conversationId;

    await fleet.postgres.stop();
    const { done, from } = await turn(client, "Are you still there?");
    expect(done.status).toBe("completed"); // the conversation goes on
    const notStored = await client.waitFor("error", { from, pred: (e) => e.inReplyTo === done.responseId });
    expect(notStored.value).toMatchObject({ code: "E_STORAGE_UNAVAILABLE", retryable: true });
    for (const pod of fleet.pods) {
      expect(await ready(pod.port)).toMatchObject({
        ready: true,
        status: "degraded",
        state: { database: "unavailable", sharedState: "ok" },
      });
    }
    const rest = await fetch(`${fleet.url}/v1/conversations`);
    expect(rest.status).toBe(503);
    expect((await rest.json()).error).toMatchObject({ code: "E_STORAGE_UNAVAILABLE", retryable: true });
    // A new conversation still starts (nothing to load), and a pod still takes it.
    const other = await RealtimeClient.connect(fleet.wsUrl);
    expect((await other.hello()).resumed).toBe(false);
    other.close();

    await fleet.postgres.start();
    for (const pod of fleet.pods)
      await pollUntil(`${pod.id} to see the database`, async () => (await ready(pod.port)).status === "ready", 30_000, 200);
    await turn(client, "Stored again?");
    await pollUntil(
      "the turn after the outage to be stored",
      async () => {
        const res = await fetch(`${fleet.url}/v1/conversations/${conversationId}`);
        if (res.status !== 200) return false;
        const { history } = (await res.json()) as { history: { text: string }[] };
        return history.some((t) => t.text === "Stored again?");
      },
      30_000,
      250,
    );
    client.close();
  });

  it("Redis down: sessions still open and resume on their own pod; the limits and resume are shared again once it returns", async () => {
    await fleet.redis.stop();
    for (const pod of fleet.pods) {
      await pollUntil(`${pod.id} to notice`, async () => (await ready(pod.port)).state?.sharedState === "unavailable", 15_000, 200);
    }
    // Straight to one pod (no balancer): the resume cannot be shared now, but this pod has it.
    const pod = fleet.pods[0]!;
    const url = `ws://127.0.0.1:${pod.port}/v1/realtime`;
    const a = await RealtimeClient.connect(url);
    const first = await a.hello();
    await turn(a, "Hello without Redis.");
    a.terminate();
    const b = await RealtimeClient.connect(url);
    expect(await b.hello({ resume: first.resumeToken })).toMatchObject({ resumed: true, sessionId: first.sessionId });
    b.close();

    await fleet.redis.start();
    for (const p of fleet.pods) await pollUntil(`${p.id} to reconnect`, async () => (await ready(p.port)).status === "ready", 30_000, 200);
    // Shared again: a session opened on one pod resumes on the other.
    const c = await RealtimeClient.connect(`ws://127.0.0.1:${fleet.pods[0]!.port}/v1/realtime`);
    const opened = await c.hello();
    c.terminate();
    const d = await RealtimeClient.connect(`ws://127.0.0.1:${fleet.pods[1]!.port}/v1/realtime`);
    expect(await d.hello({ resume: opened.resumeToken })).toMatchObject({ resumed: true, sessionId: opened.sessionId });
    d.close();
  });
});
