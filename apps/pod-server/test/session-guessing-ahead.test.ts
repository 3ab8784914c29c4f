/** Guessing ahead at the speaker's pause: the transcript and the draft reply, adopted or thrown away. */
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { HELLO, pod } from "./support/session-harness.js";

describe("Guessing ahead", () => {
  it("transcribes at the speaker's pause and uses that at the commit, unless they spoke again after it", async () => {
    const heard: number[] = [];
    let onCall: () => void = () => {};
    /** Resolves at the next transcription the pod starts (the VAD runs behind the frames). */
    const nextTranscription = () =>
      new Promise<void>((r) => {
        onCall = r;
      });
    const p = pod({
      engines: (e) => ({
        ...e,
        asr: {
          ...e.asr,
          transcribe: async (audio) => {
            heard.push(audio.length);
            onCall();
            return { text: `heard ${heard.length}`, language: "en" };
          },
        },
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    const { tone, silence } = c;
    // Speech, a 400 ms pause (the turn's end), commit: the pause's transcript is the turn's.
    let started = nextTranscription();
    tone(50);
    silence(20);
    await started; // the pause's transcription
    c.send({ type: "input.audio.commit" });
    expect((await c.next("transcript.final")).text).toBe("heard 1");
    expect(heard).toHaveLength(1);
    await c.next("response.completed");
    // Speech, a pause, more speech, commit: the guess is thrown away and the whole utterance transcribed.
    const from = c.messages.length;
    started = nextTranscription();
    tone(50);
    silence(20);
    await started;
    tone(30);
    c.send({ type: "input.audio.commit" });
    const final = await c.next("transcript.final", () => true, from);
    expect(heard.length).toBe(3);
    expect(final.text).toBe("heard 3");
    expect(heard[2]!).toBeGreaterThan(heard[1]!);
  });

  it("drafts the reply during the end-of-turn silence: adopted at the commit, thrown away when the speaker goes on", async () => {
    const calls: { prompt: string; signal: AbortSignal; release: () => void }[] = [];
    let onCall: () => void = () => {};
    const nextLlmCall = () =>
      new Promise<void>((r) => {
        onCall = r;
      });
    let transcripts = 0;
    const p = pod({
      engines: (e) => ({
        ...e,
        asr: { ...e.asr, transcribe: async () => ({ text: `question ${++transcripts}`, language: "en" }) },
        llm: {
          ...e.llm,
          // Answers only when the test releases it, so the test sees what happens before the commit.
          async *stream(messages, { signal }) {
            let release = () => {};
            const gate = new Promise<void>((r) => {
              release = r;
            });
            calls.push({ prompt: messages.at(-1)!.content, signal, release });
            signal.addEventListener("abort", () => release());
            onCall();
            yield `Answer to ${messages.at(-1)!.content}. `;
            await gate;
            if (signal.aborted) return;
            yield "The end.";
          },
        },
      }),
    });
    const c = p.connect();
    c.send(HELLO);
    const { tone, silence } = c;

    // A pause: the LLM starts on the pause's transcript, and nothing of it reaches the client yet.
    let called = nextLlmCall();
    tone(50);
    silence(20);
    await called;
    expect(calls[0]!.prompt).toBe("question 1");
    expect(c.messages.some((m) => m.type === "response.created" || m.type === "response.text.delta")).toBe(false);
    // The commit adopts the draft: the same LLM call answers, no second one starts.
    c.send({ type: "input.audio.commit" });
    await c.next("response.text.delta");
    calls[0]!.release();
    const done = await c.next("response.completed");
    expect(done.text).toBe("Answer to question 1. The end.");
    expect(calls).toHaveLength(1);
    const metrics = await c.next("turn.metrics", (m) => m.responseId === done.responseId);
    expect(metrics.metrics.draftLeadMs).toBeGreaterThanOrEqual(0);

    // An adopted draft cancelled mid-answer ends its turn, and the next turn is answered.
    let from = c.messages.length;
    called = nextLlmCall();
    tone(50);
    silence(20);
    await called;
    c.send({ type: "input.audio.commit" });
    const cancelled = await c.next("response.created", () => true, from);
    c.send({ type: "response.cancel", responseId: cancelled.responseId });
    expect((await c.next("response.completed", (m) => m.responseId === cancelled.responseId)).status).toBe("cancelled");
    expect(calls).toHaveLength(2);
    called = nextLlmCall();
    c.send({ type: "input.text", text: "Still there?" });
    await called;
    calls[2]!.release();
    await c.next("response.completed", (m) => m.status === "completed", from);
    calls.splice(1, 2);

    // A pause, then more speech: the draft is aborted unseen, and the commit answers the whole utterance.
    from = c.messages.length;
    called = nextLlmCall();
    tone(50);
    silence(20);
    await called;
    expect(calls[1]!.prompt).toBe("question 3");
    tone(30);
    await pollUntil("the draft to be aborted when voice comes back", () => calls[1]!.signal.aborted);
    called = nextLlmCall();
    c.send({ type: "input.audio.commit" });
    await called;
    calls[2]!.release();
    const second = await c.next("response.completed", () => true, from);
    expect(calls[2]!.prompt).toBe("question 4");
    expect(second.text).toBe("Answer to question 4. The end.");
    const texts = c.messages.slice(from).flatMap((m) => (m.type === "response.text.delta" ? [m.delta] : []));
    expect(texts.join("")).not.toContain(calls[1]!.prompt);
  });
});
