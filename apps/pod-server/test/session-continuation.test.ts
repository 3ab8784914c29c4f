/** The same sentence going on or a barge-in: speech soon after a commit, judged by whether its reply was heard. */
import { describe, expect, it, vi } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { advanceClock, HELLO, hearingSeconds, pod, samplesOf } from "./support/session-harness.js";

describe("Continuation or barge-in", () => {
  it("speech soon after a commit, before its reply is heard, continues the utterance: one item, one reply", async () => {
    const prompts: string[][] = [];
    let release = () => {};
    const p = pod({
      engines: hearingSeconds(async function* (messages) {
        prompts.push(messages.filter((m) => m.role === "user").map((m) => m.content));
        // The first reply waits (nothing of it is sent) until the test lets it go.
        if (prompts.length === 1)
          await new Promise<void>((r) => {
            release = r;
          });
        yield "Understood.";
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const first = await c.next("input.committed");
    const created = await c.next("response.created");
    // The user goes on after their pause.
    c.send({ type: "input.speech_started" });
    const dropped = await c.next("response.completed", (m) => m.responseId === created.responseId);
    expect(dropped.status).toBe("cancelled");
    release();
    const from = c.messages.length;
    c.speak();
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).toBe(first.itemId);
    const final = await c.next("transcript.final", () => true, from);
    expect(final.itemId).toBe(first.itemId);
    expect(Number.parseFloat(final.text)).toBeGreaterThanOrEqual(2); // both parts' audio, transcribed together
    const done = await c.next("response.completed", (m) => m.status === "completed", from);
    expect(done.text).toBe("Understood.");
    expect(prompts.at(-1)).toEqual([final.text]); // the LLM sees one user message: the whole utterance
    expect(c.messages.map((m) => m.type)).not.toContain("response.interrupted");
    await vi.waitFor(async () =>
      expect(await p.conversations.messages(c.session.snapshot().conversationId!)).toEqual([
        { role: "user", content: final.text },
        { role: "assistant", content: "Understood." },
      ]),
    );
  });

  it("a short reply sent in full before the speaker went on, not yet heard, is taken back: the utterance continues", async () => {
    const prompts: string[][] = [];
    const p = pod({
      engines: hearingSeconds(async function* (messages) {
        prompts.push(messages.filter((m) => m.role === "user").map((m) => m.content));
        yield "OK.";
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const first = await c.next("input.committed");
    // The whole short reply (75 ms of the double's audio) goes out at once, inside the pacer's lead…
    const sent = await c.next("response.completed");
    expect(sent.status).toBe("completed");
    // …and the user goes on before it could be heard.
    c.send({ type: "input.speech_started" });
    const takenBack = await c.next("response.interrupted", (m) => m.responseId === sent.responseId);
    expect(takenBack).toMatchObject({ playedSamples: 0, heardText: "" });
    expect((await p.metrics.repliesTakenBack.get()).values[0]?.value).toBe(1);
    const from = c.messages.length;
    c.speak();
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).toBe(first.itemId);
    const final = await c.next("transcript.final", () => true, from);
    await c.next("response.completed", (m) => m.status === "completed", from);
    expect(prompts.at(-1)).toEqual([final.text]); // one user message: the whole utterance
    await vi.waitFor(async () =>
      expect(await p.conversations.messages(c.session.snapshot().conversationId!)).toEqual([
        { role: "user", content: final.text },
        { role: "assistant", content: "OK." },
      ]),
    );
  });

  it("speech after the reply was heard is a barge-in, not a continuation", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const first = await c.next("input.committed");
    await c.next("response.audio.started");
    // Heard: its first frame went out longer ago than the continuation's grace (500 ms).
    advanceClock(600);
    c.send({ type: "input.speech_started" });
    await c.next("response.interrupted");
    const from = c.messages.length;
    c.speak();
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).not.toBe(first.itemId);
  });

  it("speech soon after the reply began is a barge-in once the client says it played half a second of it", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const first = await c.next("input.committed");
    const started = await c.next("response.audio.started");
    // The pacer sends 200 ms ahead: 0.6 s of audio is here well before 0.5 s have passed.
    await pollUntil("0.6 s of the reply", () => samplesOf(c.frames) >= 0.6 * 24000, 10_000, 1);
    c.send({ type: "response.interrupt", responseId: started.responseId, playedSamples: samplesOf(c.frames) });
    await c.next("response.interrupted");
    c.send({ type: "input.speech_started" });
    const from = c.messages.length;
    c.speak();
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).not.toBe(first.itemId);
  });

  it("server VAD: voice that came back before the reply began continues the utterance, though confirmed after", async () => {
    // minSpeechMs 1000: the detector confirms speech a second after it began.
    const p = pod();
    const c = p.connect();
    c.send({ ...HELLO, turnDetection: { mode: "server_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 1000 } });
    c.tone(60);
    c.silence(35); // 700 ms: the turn ends after 600
    const first = await c.next("input.committed");
    await c.next("response.audio.started");
    advanceClock(600);
    // The same speaker goes on: confirmed now, begun a second ago, before the reply's first frame.
    const from = c.messages.length;
    c.tone(60);
    c.silence(35);
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).toBe(first.itemId);
    expect(c.messages.slice(from).map((m) => m.type)).not.toContain("response.interrupted");
  });
});
