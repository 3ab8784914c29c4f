/**
 * Conversations stored on the real pod: every turn is kept as it ends, listed and read over REST,
 * exported, continued after a pod restart, renamed and deleted — and a dropped connection resumes
 * the same session.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";

const TOKEN = "conversation-token";
const dataDir = mkdtempSync(join(tmpdir(), "fireside-conversations-"));
let pod: PodProcess;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${pod.url}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers } });

beforeAll(async () => {
  pod = await startPod({ FIRESIDE_TOKEN: TOKEN, FIRESIDE_DATA_DIR: dataDir });
});
afterAll(async () => {
  await pod?.stop();
});

async function say(c: RealtimeClient, text: string) {
  const from = c.messages.length;
  c.send({ type: "input.text", text });
  return (await c.waitFor("response.completed", { from, timeoutMs: 120_000 })).value;
}

describe("stored conversations", () => {
  let conversationId = "";

  it("keeps every turn, resumes a dropped session, and lists, reads and exports the conversation", async () => {
    const a = await RealtimeClient.connect(`${pod.wsUrl}?token=${TOKEN}`);
    const ready = await a.hello();
    expect(ready).toMatchObject({ resumed: false, resumeGraceMs: 120_000 });
    a.startPlayback();
    const first = await say(a, "My favourite colour is green.");
    await pollUntil("the reply to finish playing", () => a.player.drained, 60_000);
    a.terminate(); // the network drops

    const b = await RealtimeClient.connect(`${pod.wsUrl}?token=${TOKEN}`);
    const again = await b.hello({ resume: ready.resumeToken });
    expect(again).toMatchObject({ resumed: true, sessionId: ready.sessionId });
    conversationId = again.conversationId!;
    expect(conversationId).toMatch(/^conv_/);
    b.startPlayback();
    await say(b, "Say it back to me.");
    await pollUntil("the reply to finish playing", () => b.player.drained, 60_000);
    b.close();

    const list = (await (await api("/v1/conversations")).json()).conversations;
    expect(list).toEqual([expect.objectContaining({ id: conversationId, title: "My favourite colour is green.", turns: 4 })]);
    const read = await (await api(`/v1/conversations/${conversationId}`)).json();
    expect(read.history.map((t: { role: string; status: string }) => `${t.role}:${t.status}`)).toEqual([
      "user:typed",
      "assistant:completed",
      "user:typed",
      "assistant:completed",
    ]);
    expect(read.history[1].text).toBe(first.text);
    const md = await api(`/v1/conversations/${conversationId}/export?format=md`);
    expect(md.headers.get("content-disposition")).toMatch(/attachment; filename="conv_.*\.md"/);
    expect(await md.text()).toMatch(/^# My favourite colour is green\.\n[\s\S]*\*\*You\*\*: Say it back to me\./);
    const json = await (await api(`/v1/conversations/${conversationId}/export?format=json`)).json();
    expect(json.history).toHaveLength(4);
  });

  it("after a pod restart the conversation is still listed and can be continued; then renamed and deleted", async () => {
    await pod.stop();
    pod = await startPod({ FIRESIDE_TOKEN: TOKEN, FIRESIDE_DATA_DIR: dataDir });
    const list = (await (await api("/v1/conversations")).json()).conversations;
    expect(list.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const c = await RealtimeClient.connect(`${pod.wsUrl}?token=${TOKEN}`);
    expect(await c.hello({ conversationId })).toMatchObject({ resumed: false, conversationId });
    await say(c, "One more thing.");
    c.close();
    expect((await (await api(`/v1/conversations/${conversationId}`)).json()).turns).toBe(6);

    const renamed = await api(`/v1/conversations/${conversationId}`, { method: "PATCH", body: JSON.stringify({ title: "Colours" }) });
    expect((await renamed.json()).title).toBe("Colours");
    expect((await api(`/v1/conversations/${conversationId}`, { method: "PATCH", body: "null" })).status).toBe(400);
    expect((await api(`/v1/conversations/${conversationId}`, { method: "DELETE" })).status).toBe(204);
    const gone = await api(`/v1/conversations/${conversationId}`);
    expect([gone.status, (await gone.json()).error.code]).toEqual([404, "E_NOT_FOUND"]);
    expect((await (await api("/v1/conversations")).json()).conversations).toEqual([]);
    expect((await fetch(`${pod.url}/v1/conversations`)).status).toBe(401);
  });
});
