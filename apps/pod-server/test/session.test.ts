/**
 * The server Session on its own, with engine test doubles and a fake socket: the races people hit —
 * a typed turn after a spoken one, an interrupt before the first frame and after the last, cancel
 * during ASR, an ASR failure, a drop mid-reply and a resume, a wrong token. Every wait is on a
 * message, never on time.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAudioFrame, PROTOCOL_VERSION, pcmSamples, type ServerMessage, type ServerMessageOf } from "@fireside/protocol";
import { describe, expect, it, vi } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { loadConfig } from "../src/config/config.js";
import { createInstantEngines } from "../src/engines/test-doubles/instant-engines.js";
import { type ChatMessage, EngineError, type Engines } from "../src/engines/types.js";
import { ServerMetrics } from "../src/metrics/metrics.js";
import { ResumeStore } from "../src/session/resume-store.js";
import { Session } from "../src/session/session.js";
import { ConversationStore } from "../src/store/conversations.js";
import { openDatabase } from "../src/store/database.js";

const HELLO = {
  type: "session.hello",
  protocols: [PROTOCOL_VERSION],
  audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
  turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 },
};

/** Engines whose ASR says how much audio it heard (a continued utterance reads longer) and whose LLM is `stream`. */
const hearingSeconds =
  (stream: Engines["llm"]["stream"]) =>
  (e: Engines): Engines => ({
    ...e,
    asr: { ...e.asr, transcribe: async (audio) => ({ text: `${(audio.length / 16000).toFixed(1)} seconds of words`, language: "en" }) },
    llm: { ...e.llm, stream },
  });

/** One pod's worth of shared state: engines, config, the database and the resume store. */
function pod(opts: { token?: string; engines?: (e: Engines) => Engines } = {}) {
  const base = createInstantEngines({ replySeconds: 1 });
  const engines = opts.engines ? opts.engines(base) : base;
  const config = loadConfig({ env: {}, overrides: { token: opts.token ?? "", interruptGraceMs: 200, outputLeadMs: 200 } });
  const metrics = new ServerMetrics();
  const conversations = new ConversationStore(openDatabase(join(mkdtempSync(join(tmpdir(), "session-")), "fireside.db")));
  const resumes = new ResumeStore(60_000);

  /** A fake socket: messages in order, a way to wait for one, and the close it was asked for. */
  function connect() {
    const messages: ServerMessage[] = [];
    const frames: Uint8Array[] = [];
    const waiters: (() => void)[] = [];
    let closedWith: number | null = null;
    let token: string | null = null;
    const authFailed = vi.fn();
    const session: Session = new Session(
      engines,
      config,
      metrics,
      {
        gpus: () => [],
        send: (m) => {
          messages.push(m);
          for (const w of waiters.splice(0)) w();
        },
        sendBinary: (b) => frames.push(b),
        backlog: () => 0,
        close: (code) => {
          closedWith = code;
        },
        log: () => {},
        checkVoice: () => {},
        authFailed,
        admit: () => null,
        resume: (t) => resumes.take(t),
        issueResumeToken: () => {
          token = resumes.issue({ snapshot: () => session.snapshot(), takeOver: () => drop() });
          return { token, graceMs: resumes.graceMs };
        },
      },
      false,
      conversations,
    );
    const drop = () => {
      session.close();
      if (token) resumes.park(token, session.snapshot());
    };
    async function next<T extends ServerMessage["type"]>(type: T, pred: (m: ServerMessageOf<T>) => boolean = () => true, from = 0) {
      for (;;) {
        const found = messages.slice(from).find((m) => m.type === type && pred(m as ServerMessageOf<T>));
        if (found) return found as ServerMessageOf<T>;
        await new Promise<void>((r) => waiters.push(r));
      }
    }
    const send = (m: object) => session.onText(JSON.stringify(m));
    /** Input frames of 20 ms, numbered in order: a loud 220 Hz tone (speech to the energy-VAD double) or silence. */
    let seq = 0;
    const tone = (frames: number) => {
      const pcm = Int16Array.from({ length: 320 }, (_, k) => Math.round(8000 * Math.sin((k * 2 * Math.PI * 220) / 16000)));
      for (let i = 0; i < frames; i++) session.onBinary(frame(pcm, seq++));
    };
    const silence = (frames: number) => {
      for (let i = 0; i < frames; i++) session.onBinary(frame(new Int16Array(320), seq++));
    };
    /** Speech for the energy-VAD double: a loud 1 s tone under client VAD, then commit. */
    const speak = () => {
      tone(50);
      send({ type: "input.audio.commit" });
    };
    return { session, messages, frames, next, send, speak, tone, silence, drop, authFailed, closed: () => closedWith, token: () => token };
  }
  return { connect, conversations, metrics, engines };
}

/** An input audio frame (kind 1) of 16 kHz PCM. */
function frame(pcm: Int16Array, seq: number): Uint8Array {
  const out = new Uint8Array(20 + pcm.byteLength);
  const v = new DataView(out.buffer);
  v.setUint8(0, 1);
  v.setUint8(1, 1);
  v.setUint32(4, 1, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, 16000, true);
  v.setUint32(16, seq * pcm.length, true);
  out.set(new Uint8Array(pcm.buffer), 20);
  return out;
}

const samplesOf = (frames: Uint8Array[]) => frames.reduce((n, f) => n + pcmSamples(decodeAudioFrame(f)).length, 0);

describe("Session", () => {
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
    const stored = p.conversations.get(c.session.snapshot().conversationId!).history;
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
    expect(p.conversations.get(c.session.snapshot().conversationId!).history.map((t) => t.text)).toEqual(["never mind"]);
  });

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
    const stored = p.conversations.get(conversationId).history;
    expect(stored.map((t) => [t.role, t.status])).toEqual([
      ["user", "typed"],
      ["assistant", "cancelled"],
    ]);
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
    expect(p.conversations.get(conversationId).history.map((t) => t.role)).toEqual(["user", "assistant", "user", "assistant"]);

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
    const stored = p.conversations.messages(c.session.snapshot().conversationId!);
    expect(stored).toEqual([
      { role: "user", content: final.text },
      { role: "assistant", content: "Understood." },
    ]);
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
    expect(p.conversations.messages(c.session.snapshot().conversationId!)).toEqual([
      { role: "user", content: final.text },
      { role: "assistant", content: "OK." },
    ]);
  });

  it("speech after the reply was heard is a barge-in, not a continuation", async () => {
    const p = pod();
    const c = p.connect();
    c.send(HELLO);
    c.speak();
    const first = await c.next("input.committed");
    await c.next("response.audio.started");
    // Heard: its first frame went out longer ago than the continuation's grace (500 ms).
    const startedAt = Date.now();
    await pollUntil("the reply to have played for 600 ms", () => Date.now() - startedAt > 600);
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
    const startedAt = Date.now();
    await pollUntil("the reply to have gone out 600 ms ago", () => Date.now() - startedAt > 600);
    // The same speaker goes on: confirmed now, begun a second ago, before the reply's first frame.
    const from = c.messages.length;
    c.tone(60);
    c.silence(35);
    const second = await c.next("input.committed", () => true, from);
    expect(second.itemId).toBe(first.itemId);
    expect(c.messages.slice(from).map((m) => m.type)).not.toContain("response.interrupted");
  });

  it("a wrong token gets E_AUTH and close 4401, and counts as an auth failure", async () => {
    const p = pod({ token: "right" });
    const c = p.connect();
    c.send({ ...HELLO, token: "wrong" });
    expect(await c.next("error")).toMatchObject({ code: "E_AUTH" });
    expect(c.closed()).toBe(4401);
    expect(c.authFailed).toHaveBeenCalledOnce();
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
