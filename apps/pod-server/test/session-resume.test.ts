/** A conversation across sockets: a drop mid-reply and a resume, a takeover, a stored conversation continued. */
import { describe, expect, it, vi } from "vitest";
import { HELLO, pod } from "./support/session-harness.js";

describe("Resume and continue", () => {
  it("a drop mid-reply keeps what could have been played; a resume gets the same session and conversation back", async () => {
    const p = pod();
    const a = p.connect();
    a.send(HELLO);
    const ready = await a.next("session.ready");
    expect(ready.resumed).toBe(false);
    a.send({ type: "input.text", text: "Tell me a long story." });
    const started = await a.next("response.audio.started");
    a.drop(); // the network went away before the reply finished playing

    const conversationId = a.session.snapshot().conversationId!;
    const stored = await vi.waitFor(async () => {
      const history = (await p.conversations.get(conversationId)).history;
      expect(history.map((t) => [t.role, t.status])).toEqual([
        ["user", "typed"],
        ["assistant", "cancelled"],
      ]);
      return history;
    });
    expect(stored[1]!.playedMs).toBeLessThan(1000);

    const b = p.connect();
    b.send({ ...HELLO, resume: a.token() });
    const again = await b.next("session.ready");
    expect(again).toMatchObject({ resumed: true, sessionId: ready.sessionId, conversationId });
    expect(again.resumeToken).not.toBe(a.token());
    b.send({ type: "input.text", text: "Go on." });
    const next = await b.next("response.created");
    expect(next.responseId).not.toBe(started.responseId);
    await b.next("response.completed");
    await vi.waitFor(async () =>
      expect((await p.conversations.get(conversationId)).history.map((t) => t.role)).toEqual(["user", "assistant", "user", "assistant"]),
    );

    // A token works once.
    const c = p.connect();
    c.send({ ...HELLO, resume: a.token() });
    expect((await c.next("session.ready")).resumed).toBe(false);
  });

  it("a resume takes the session over from a socket the server still thinks is open", async () => {
    const p = pod();
    const a = p.connect();
    a.send(HELLO);
    const ready = await a.next("session.ready");
    a.send({ type: "input.text", text: "Hello there." });
    await a.next("response.completed");
    const b = p.connect();
    b.send({ ...HELLO, resume: ready.resumeToken });
    expect(await b.next("session.ready")).toMatchObject({ resumed: true, sessionId: ready.sessionId });
    expect(a.session.state).toBe("closed");
  });

  it("continues a stored conversation by id, with its turns as the LLM's history", async () => {
    const p = pod();
    const seen: string[][] = [];
    const llm = p.engines.llm;
    const stream = llm.stream.bind(llm);
    llm.stream = (messages, o) => {
      seen.push(messages.map((m) => m.content));
      return stream(messages, o);
    };
    const a = p.connect();
    a.send(HELLO);
    a.send({ type: "input.text", text: "My name is Ada." });
    await a.next("response.completed");
    const conversationId = a.session.snapshot().conversationId!;
    a.drop();
    const b = p.connect();
    b.send({ ...HELLO, conversationId });
    expect(await b.next("session.ready")).toMatchObject({ resumed: false, conversationId });
    b.send({ type: "input.text", text: "What is my name?" });
    await b.next("response.completed");
    expect(seen.at(-1)).toContain("My name is Ada.");
    const unknown = p.connect();
    unknown.send({ ...HELLO, conversationId: "conv_nope" });
    expect(await unknown.next("error")).toMatchObject({ code: "E_BAD_MESSAGE" });
  });
});
