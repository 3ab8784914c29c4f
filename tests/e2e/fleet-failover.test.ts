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
import { missingServices } from "../support/services.js";

const missing = missingServices();
if (missing && process.env.CI) throw new Error(`CI must run the fleet tests: ${missing}`);

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

/** One user's conversation through the balancer, from its own address, resumed after every drop like the app does. */
class Talker {
  client!: RealtimeClient;
  token = "";
  sessionId = "";
  conversationId = "";
  resumed = 0;
  moved = 0;
  private constructor(
    private readonly fleet: Fleet,
    readonly address: string,
  ) {}

  static async open(fleet: Fleet, n: number): Promise<Talker> {
    const t = new Talker(fleet, `127.0.0.${10 + n}`);
    t.client = await RealtimeClient.connect(fleet.wsUrl, { localAddress: t.address });
    const ready = await t.client.hello();
    t.token = ready.resumeToken;
    t.sessionId = ready.sessionId;
    return t;
  }

  /** A typed turn; resolves with the reply's responseId once its audio has started. */
  async ask(text: string): Promise<string> {
    const from = this.client.messages.length;
    this.client.send({ type: "input.text", text });
    const started = await this.client.waitFor("response.audio.started", { from });
    return started.value.responseId;
  }

  async completed(responseId: string) {
    return (await this.client.waitFor("response.completed", { pred: (m) => m.responseId === responseId })).value;
  }

  /** Waits for this socket to close, then reconnects through the balancer with its resume token. */
  async resumeAfterClose(): Promise<void> {
    await pollUntil(`${this.address}'s socket to close`, () => this.client.closeCode !== null, 30_000);
    if (this.client.of("session.moving").length) this.moved++;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const client = await RealtimeClient.connect(this.fleet.wsUrl, { localAddress: this.address });
        const ready = await client.hello({ resume: this.token });
        this.client = client;
        expect(ready).toMatchObject({ resumed: true, sessionId: this.sessionId });
        this.token = ready.resumeToken;
        this.resumed++;
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100)); // the balancer has not noticed the dead pod yet
      }
    }
  }

  async history(): Promise<{ role: string; text: string; status: string }[]> {
    const res = await fetch(`${this.fleet.url}/v1/conversations/${this.conversationId}`);
    const body = (await res.json()) as { history: { role: string; text: string; status: string }[] };
    if (res.status !== 200) throw new Error(`GET conversation ${this.conversationId}: ${res.status} ${JSON.stringify(body)}`);
    return body.history;
  }
}

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
    for (const pod of fleet.pods) {
      // Replies in flight when the pod is told to stop.
      const inFlight = await Promise.all(talkers.map((t, i) => t.ask(`Before ${pod.id} restarts, talker ${i}.`)));
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
    for (const t of talkers) t.client.close();
  });
});
