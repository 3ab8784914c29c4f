/**
 * One user's conversation through a fleet's balancer, from its own loopback address (as a separate
 * machine would connect), resumed after every drop the way the app does it. For the fleet tests and
 * the failover bench.
 */
import type { Fleet } from "./fleet.js";
import { pollUntil } from "./poll.js";
import { RealtimeClient } from "./realtime-client.js";

export class Talker {
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
    let ready: Awaited<ReturnType<RealtimeClient["hello"]>>;
    for (;;) {
      try {
        const client = await RealtimeClient.connect(this.fleet.wsUrl, { localAddress: this.address });
        ready = await client.hello({ resume: this.token });
        this.client = client;
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100)); // the balancer has not noticed the dead pod yet
      }
    }
    if (!ready.resumed || ready.sessionId !== this.sessionId) {
      throw new Error(`${this.address} did not resume ${this.sessionId}: got ${ready.sessionId} (resumed ${ready.resumed})`);
    }
    this.token = ready.resumeToken;
    this.resumed++;
  }

  async history(): Promise<{ role: string; text: string; status: string }[]> {
    const res = await fetch(`${this.fleet.url}/v1/conversations/${this.conversationId}`);
    const body = (await res.json()) as { history: { role: string; text: string; status: string }[] };
    if (res.status !== 200) throw new Error(`GET conversation ${this.conversationId}: ${res.status} ${JSON.stringify(body)}`);
    return body.history;
  }
}
