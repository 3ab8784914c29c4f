/** A conversation's turns: typed and spoken replies, their metrics, the LLM's warm-up, ids, an ASR failure, cancel during ASR. */
import { describe, expect, it, vi } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { loadConfig } from "../src/config/config.js";
import { type ChatMessage, EngineError } from "../src/engines/types.js";
import { HELLO, pod, samplesOf } from "./support/session-harness.js";

describe("Session turns", () => {
  it("counts voice-to-voice for a spoken turn but not for a typed one", async () => {
    const p = pod();
    const observe = vi.spyOn(p.metrics, "observeTurn");
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const spoken = await c.next("response.completed");
    c.send({ type: "input.text", text: "And now typed." });
    const typed = await c.next("response.completed", (m) => m.responseId !== spoken.responseId);
    c.send({ type: "client.metrics", responseId: spoken.responseId, voiceToVoiceMs: 900 });
    c.send({ type: "client.metrics", responseId: typed.responseId, voiceToVoiceMs: 14_000 });
    const v2v = observe.mock.calls.map(([m]) => m.voiceToVoiceMs).filter((v) => v !== undefined);
    expect(v2v).toEqual([900]);
  });

  it("warms the LLM with the next prompt up to the user's words: at hello, and once a reply is over", async () => {
    const prefills: { messages: ChatMessage[]; cacheKey: string }[] = [];
    const p = pod({
      engines: (e) => ({
        ...e,
        llm: { ...e.llm, prefill: async (messages, { cacheKey }) => void prefills.push({ messages, cacheKey }) },
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    await c.next("session.ready");
    const persona = { role: "system", content: loadConfig({ env: {} }).persona };
    expect(prefills.map((x) => x.messages)).toEqual([[persona, { role: "user", content: "" }]]);

    c.send({ type: "input.text", text: "Tell me something." });
    const done = await c.next("response.completed");
    await pollUntil("the warm-up after the reply", () => prefills.length === 2, 5000, 1);
    expect(prefills[1]!.messages).toEqual([
      persona,
      { role: "user", content: "Tell me something." },
      { role: "assistant", content: done.text },
      { role: "user", content: "" },
    ]);
    expect(prefills.every((x) => x.cacheKey === c.session.id)).toBe(true);
  });

  it("ids are unique across sessions, so a reconnect never overwrites earlier turns", async () => {
    const p = pod();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = p.connect();
      c.send(HELLO);
      c.send({ type: "input.text", text: "Hi." });
      const done = await c.next("response.completed");
      ids.push(done.responseId, (await c.next("response.created")).inReplyTo);
    }
    expect(new Set(ids).size).toBe(4);
  });

  it("an ASR failure answers E_ENGINE and returns the session to idle", async () => {
    const p = pod({
      engines: (e) => ({
        ...e,
        asr: {
          ...e.asr,
          transcribe: async () => {
            throw new EngineError("asr", "whisper worker stopped");
          },
        },
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    expect(await c.next("error")).toMatchObject({ code: "E_ENGINE", retryable: true });
    await c.next("session.state", (m) => m.state === "idle");
    expect(c.session.state).toBe("idle");
  });

  it("response.cancel during ASR drops the turn: its words are kept, no reply is made", async () => {
    let asrCalled: (release: () => void) => void = () => {};
    const transcribing = new Promise<() => void>((r) => {
      asrCalled = r;
    });
    const p = pod({
      engines: (e) => ({
        ...e,
        asr: { ...e.asr, transcribe: () => new Promise((r) => asrCalled(() => r({ text: "never mind", language: "en" }))) },
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const release = await transcribing;
    c.send({ type: "response.cancel" });
    release();
    await c.next("transcript.final");
    await c.next("session.state", (m) => m.state === "idle");
    expect(c.messages.map((m) => m.type)).not.toContain("response.created");
    await c.session.stored();
    expect((await p.conversations.get(c.session.snapshot().conversationId!)).history.map((t) => t.text)).toEqual(["never mind"]);
  });

  it("speech right after a reply finished is a new turn, not a barge-in", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.send({ type: "input.text", text: "Hi." });
    await c.next("response.completed");
    c.send({ type: "input.speech_started" });
    c.speak();
    await c.next("transcript.final");
    await c.next(
      "response.completed",
      (m) => m.status === "completed",
      c.messages.findIndex((m) => m.type === "transcript.final"),
    );
    expect(c.messages.map((m) => m.type)).not.toContain("response.interrupted");
    expect(samplesOf(c.frames)).toBeGreaterThan(0);
  });
});
