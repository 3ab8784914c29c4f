/** Interrupting a reply: before its first frame, after its last. */
import { describe, expect, it } from "vitest";
import { HELLO, pod } from "./support/session-harness.js";

describe("Interrupting a reply", () => {
  it("an interrupt after the last frame was played changes nothing", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.send({ type: "input.text", text: "Tell me something." });
    const done = await c.next("response.audio.done");
    const completed = await c.next("response.completed");
    const before = c.messages.length;
    c.send({ type: "response.interrupt", responseId: done.responseId, playedSamples: done.totalSamples });
    c.send({ type: "ping", id: 1, t: 1 });
    await c.next("pong", () => true, before);
    expect(c.messages.slice(before).map((m) => m.type)).toEqual(["pong"]);
    await c.session.stored();
    const stored = (await p.conversations.get(c.session.snapshot().conversationId!)).history;
    expect(stored.at(-1)).toMatchObject({ role: "assistant", status: "completed", text: completed.text });
  });

  it("an interrupt before the first audio frame keeps nothing of the reply", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.send({ type: "input.text", text: "Tell me something long." });
    const created = await c.next("response.created");
    c.send({ type: "response.interrupt", responseId: created.responseId, playedSamples: 0 });
    const interrupted = await c.next("response.interrupted");
    expect(interrupted).toMatchObject({ playedSamples: 0, heardText: "" });
    expect(await c.next("response.completed")).toMatchObject({ status: "interrupted", text: "" });
    expect(await c.next("session.state", (m) => m.state === "idle")).toBeTruthy();
  });
});
