/**
 * The renderer's voice session with a fake transport, player and microphone (test doubles): the
 * races people hit, decided by messages and callbacks, never by time.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { shownText } from "../src/renderer/src/session/captions";
import { VoiceSession } from "../src/renderer/src/session/voice-session";
import { useApp } from "../src/renderer/src/store/app-store";
import { DEFAULT_SETTINGS } from "../src/shared/settings";
import { FakeMic, FakePlayer, FakeTransport, sessionReady } from "./fake-transport";

let clock = 0;

type GpuBody = { utilisation: number; memoryMiB: number; memoryTotalMiB: number };

async function start(
  mode: "hands-free" | "push-to-talk" = "hands-free",
  health?: () => Promise<{ gpu?: GpuBody }>,
  ready: () => Promise<{ status: number; body: object }> = async () => ({ status: 200, body: {} }),
  turnTaking: "app" | "pod" = "app",
) {
  let transport: FakeTransport | null = null;
  let player: FakePlayer | null = null;
  const mic = new FakeMic();
  const session = new VoiceSession(
    { ...DEFAULT_SETTINGS, mode, turnTaking },
    {
      createTransport: (o) => {
        transport = new FakeTransport(o);
        return transport;
      },
      createPlayer: async (_lead, onStats, onFinished) => {
        player = new FakePlayer(onStats, onFinished);
        return player;
      },
      startMicrophone: async (_o, cb) => {
        mic.cb = cb;
        return mic;
      },
      fetchReady: ready,
      fetchHealth: health ?? (async () => ({})),
      now: () => clock,
    },
  );
  await session.start("token");
  const t = transport as unknown as FakeTransport;
  t.accept();
  return { session, t, player: player as unknown as FakePlayer, mic };
}

/** The user speaks for 10 frames (320 ms), then the VAD ends the turn: one commit. */
function speak(s: Awaited<ReturnType<typeof start>>) {
  s.mic.cb!.onSpeechStart();
  for (let i = 0; i < 10; i++) {
    clock += 32;
    s.mic.frame(0.9);
  }
  s.mic.cb!.onSpeechConfirmed();
  for (let i = 0; i < 22; i++) {
    clock += 32;
    s.mic.frame(0.05); // the VAD's redemption time: silence before it calls the turn over
  }
  s.mic.cb!.onSpeechEnd();
}

/** The pod answers an item with a reply whose audio plays. */
function reply(s: Awaited<ReturnType<typeof start>>, item: string, id: string, streamId: number) {
  s.t.pod({ type: "response.created", responseId: id, streamId, inReplyTo: item });
  s.t.pod({ type: "response.audio.started", responseId: id, streamId, format: { codec: "pcm_s16le", sampleRate: 24000 } });
  s.t.audio(streamId, false);
  s.t.audio(streamId, true);
  clock += 100;
  s.player.playing();
}

beforeEach(() => {
  clock = 1000;
  useApp.setState({
    turns: [],
    latencies: [],
    notice: null,
    audible: false,
    mic: "off",
    muted: false,
    talkingWhileMuted: false,
    connection: "disconnected",
    playback: { bufferedMs: 0, underruns: 0, playing: false, playedMs: 0 },
    gpuHistory: [],
  });
});

describe("voice session (renderer)", () => {
  it("keeps the pod's GPU samples from /health for the dashboard; a CPU pod adds none", async () => {
    const gpu = { utilisation: 37, memoryMiB: 21480, memoryTotalMiB: 81559 };
    for (const body of [{ gpu }, {}]) {
      useApp.setState({ gpuHistory: [] });
      let answered!: () => void;
      const polled = new Promise<void>((r) => {
        answered = r;
      });
      const s = await start("hands-free", async () => {
        answered();
        return body;
      });
      await polled;
      await new Promise((r) => setTimeout(r, 0)); // the poll stores the answer right after it arrives
      expect(useApp.getState().gpuHistory).toEqual(body.gpu ? [expect.objectContaining(gpu)] : []);
      await s.session.stop();
    }
  });

  it("a lost connection clears the round trip and asks the pod's readiness again at once", async () => {
    let podUp = true;
    const s = await start("hands-free", undefined, async () => {
      if (!podUp) throw new Error("connection refused");
      return { status: 200, body: {} };
    });
    await new Promise((r) => setTimeout(r, 0));
    useApp.getState().set({ rttMs: 12 });
    expect(useApp.getState().health).toEqual({ ok: true, loading: false });
    podUp = false;
    s.t.status("reconnecting", "Lost the pod connection. Retrying in 1 s…");
    await new Promise((r) => setTimeout(r, 0));
    // Not at the next 5 s poll: the dashboard stops saying "ready" now.
    expect(useApp.getState().health).toEqual({ ok: false });
    expect(useApp.getState().rttMs).toBeNull();
    await s.session.stop();
  });

  it("speech right after a reply finished playing is a new turn, not a barge-in", async () => {
    const s = await start();
    s.t.send({ type: "input.text", text: "hi" });
    reply(s, "item_a_1", "resp_a_2", 2);
    s.player.finished();
    expect(useApp.getState().audible).toBe(false);
    speak(s);
    expect(s.player.calls).not.toContain("clear");
    expect(s.t.of("response.interrupt")).toEqual([]);
    expect(s.t.of("input.audio.commit")).toHaveLength(1);
    await s.session.stop();
  });

  it("speech over an audible reply pauses it, then interrupts with what was heard", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    expect(useApp.getState().audible).toBe(true);
    clock += 1000; // past the echo guard
    s.mic.cb!.onSpeechStart();
    expect(s.player.calls).toContain("pause");
    s.mic.cb!.onSpeechConfirmed();
    await Promise.resolve();
    await Promise.resolve();
    expect(s.t.of("response.interrupt")).toEqual([{ type: "response.interrupt", responseId: "resp_a_2", playedSamples: 1920 }]);
    expect(useApp.getState().audible).toBe(false);
    await s.session.stop();
  });

  it("the pod decides (the default): the mic streams all the time, the local VAD only shows it, the pod's commit times voice-to-voice", async () => {
    const s = await start("hands-free", undefined, undefined, "pod");
    expect(s.t.opts.hello().turnDetection?.mode).toBe("server_vad");
    for (let i = 0; i < 5; i++) s.mic.frame(0.01); // silence goes up too
    expect(s.t.audioFrames).toBeGreaterThan(0);
    speak(s); // the local VAD hears a whole utterance, and neither commits nor says so
    expect(s.t.sent.map((m) => m.type)).toEqual([]);
    const lastWord = clock - 22 * 32;
    s.t.pod({ type: "input.committed", itemId: "item_p_1", durationMs: 320 });
    clock += 300;
    reply(s, "item_p_1", "resp_p_2", 2);
    // Talking over the reply is the pod's to judge: no pause or interrupt from the app.
    clock += 1000;
    s.mic.cb!.onSpeechStart();
    s.mic.cb!.onSpeechConfirmed();
    expect(s.player.calls).not.toContain("pause");
    expect(s.t.of("response.interrupt")).toEqual([]);
    expect(s.t.of("client.metrics")[0]?.voiceToVoiceMs).toBe(Math.round(clock - 1000 - lastWord));
    // Mute drops what the pod was collecting, and nothing more goes up.
    s.session.setMuted(true);
    expect(s.t.of("input.audio.clear")).toHaveLength(1);
    const sent = s.t.audioFrames;
    s.mic.frame(0.9);
    expect(s.t.audioFrames).toBe(sent);
    await s.session.stop();
  });

  it("the pod's own judgement of a sound over the reply: paused, resumed on a backchannel, cleared on its barge-in", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    s.t.pod({ type: "response.paused", responseId: "resp_a_2" });
    expect(s.player.calls.at(-1)).toBe("pause");
    // The app's own VAD misfires meanwhile: the pod is still judging, so the reply stays paused.
    clock += 1000;
    s.mic.cb!.onSpeechStart();
    s.mic.cb!.onMisfire();
    expect(s.player.calls.filter((c) => c === "resume")).toEqual([]);
    s.t.pod({ type: "response.resumed", responseId: "resp_a_2", reason: "backchannel", pausedMs: 700 });
    expect(s.player.calls.at(-1)).toBe("resume");
    expect(useApp.getState().audible).toBe(true);
    s.t.pod({ type: "response.paused", responseId: "resp_a_2" });
    s.t.pod({ type: "response.interrupted", responseId: "resp_a_2", playedSamples: 24000, heardText: "Once" });
    expect(s.player.calls.at(-1)).toBe("clear");
    expect(useApp.getState().audible).toBe(false);
    // The pod's barge-in needs no response.interrupt from the app.
    expect(s.t.of("response.interrupt")).toEqual([]);
    await s.session.stop();
  });

  it("a gap between the reply's clauses is still speaking (no 'Thinking…'); a pod restart mid-reply stops it, resets, and shows what the pod stored", async () => {
    const stored = {
      id: "conv_1",
      history: [
        { itemId: "item_a_1", role: "user" as const, text: "Tell me a story" },
        { itemId: "resp_a_2", role: "assistant" as const, text: "Once upon a time.", status: "interrupted" as const },
      ],
    };
    const s = await start();
    const asked: string[] = [];
    (s.session as unknown as { deps: { fetchConversation: (id: string) => Promise<unknown> } }).deps.fetchConversation = async (id) => {
      asked.push(id);
      return stored;
    };
    s.t.pod({ type: "session.state", state: "speaking" });
    reply(s, "item_a_1", "resp_a_2", 2);
    expect(useApp.getState().audible).toBe(true);
    s.player.underrun(); // the next clause is late
    expect(useApp.getState().audible).toBe(true);
    // The pod restarts: the new session cannot resume the old one.
    s.t.drop();
    s.t.pod(sessionReady(2, { resumed: false, conversationId: "conv_1" }));
    s.t.status("connected");
    expect(s.player.calls.at(-1)).toBe("clear");
    expect(useApp.getState()).toMatchObject({ audible: false, sessionState: "idle" });
    await vi.waitFor(() => expect(useApp.getState().turns.map((t) => t.text)).toEqual(["Tell me a story", "Once upon a time."]));
    expect(asked).toEqual(["conv_1"]);
    // Esc now has no reply to stop: nothing is sent for the lost one.
    s.session.interrupt();
    expect(s.t.of("response.interrupt")).toEqual([]);
    await s.session.stop();
  });

  it("a reply whose last frame never arrives (lost in a drop) stops being 'speaking' once the pod has sent it all and the player runs dry", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    s.player.underrun();
    expect(useApp.getState().audible).toBe(true); // a gap: the next clause may come
    s.t.pod({ type: "response.completed", responseId: "resp_a_2", status: "completed", text: "Once upon a time." });
    expect(useApp.getState().audible).toBe(false); // nothing more is coming
    s.session.interrupt(); // Esc now: nothing is left to stop, nothing is sent
    expect(s.t.of("response.interrupt")).toEqual([]);
    // Likewise a reply cut by a drop when the session is resumed: the pod does not carry it on.
    reply(s, "item_a_3", "resp_a_4", 4);
    s.t.drop();
    s.t.pod(sessionReady(2, { resumed: true }));
    s.t.status("connected");
    expect(useApp.getState().audible).toBe(true); // what the player holds still plays
    s.player.underrun();
    expect(useApp.getState().audible).toBe(false);
    expect(s.player.calls.at(-1)).not.toBe("clear");
    await s.session.stop();
  });

  it("muted: speech is not sent and does not interrupt the reply, the UI says so; unmuted it is a turn again", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    clock += 1000; // past the echo guard
    s.session.setMuted(true);
    const framesBefore = s.t.audioFrames;
    speak(s);
    expect(s.t.audioFrames).toBe(framesBefore);
    expect(s.t.of("input.audio.commit")).toEqual([]);
    expect(s.player.calls).not.toContain("pause");
    expect(s.t.of("response.interrupt")).toEqual([]);
    // The nudge shows while the user talks into a muted mic, and goes when they stop.
    s.mic.cb!.onSpeechStart();
    expect(useApp.getState().talkingWhileMuted).toBe(true);
    s.mic.cb!.onSpeechEnd();
    expect(useApp.getState().talkingWhileMuted).toBe(false);
    s.session.setMuted(false);
    speak(s);
    expect(s.t.audioFrames).toBeGreaterThan(framesBefore);
    expect(s.t.of("input.audio.commit")).toHaveLength(1);
    await s.session.stop();
  });

  it("the global shortcut toggles: push-to-talk starts on the first press and sends on the second; hands-free it mutes", async () => {
    const ptt = await start("push-to-talk");
    ptt.session.toggleTalk();
    expect(useApp.getState().mic).toBe("hearing-speech");
    for (let i = 0; i < 10; i++) ptt.mic.frame(0.9);
    ptt.session.toggleTalk();
    expect(ptt.t.of("input.audio.commit")).toHaveLength(1);
    await ptt.session.stop();
    const free = await start();
    free.session.toggleTalk();
    expect(useApp.getState().muted).toBe(true);
    free.session.toggleTalk();
    expect(useApp.getState().muted).toBe(false);
    await free.session.stop();
  });

  it("muting mid-utterance drops it: the pod is told to clear, nothing is committed", async () => {
    const s = await start();
    s.mic.cb!.onSpeechStart();
    for (let i = 0; i < 5; i++) s.mic.frame(0.9);
    s.session.setMuted(true);
    s.mic.cb!.onSpeechEnd();
    expect(s.t.of("input.audio.clear")).toHaveLength(1);
    expect(s.t.of("input.audio.commit")).toEqual([]);
    await s.session.stop();
  });

  it("Interrupt in a gap between clauses, after the reply was heard, interrupts it with what was heard", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    s.player.underrun(); // the next clause is not here yet
    s.session.interrupt();
    await Promise.resolve();
    await Promise.resolve();
    expect(s.t.of("response.cancel")).toEqual([]);
    expect(s.t.of("response.interrupt")).toHaveLength(1);
    expect(s.t.of("input.speech_started")).toEqual([]); // Esc is not the user talking
    await s.session.stop();
  });

  it("Interrupt before the first audio frame cancels the reply; after the last it does nothing", async () => {
    const s = await start();
    s.t.pod({ type: "response.created", responseId: "resp_a_2", streamId: 2, inReplyTo: "item_a_1" });
    s.session.interrupt();
    expect(s.t.of("response.cancel")).toEqual([{ type: "response.cancel", responseId: "resp_a_2" }]);
    reply(s, "item_a_3", "resp_a_4", 4);
    s.player.finished();
    s.session.interrupt();
    await Promise.resolve();
    expect(s.t.of("response.interrupt")).toEqual([]);
    await s.session.stop();
  });

  it("voice-to-voice counts from the last voiced frame, with the end-of-turn wait as its own stage; typed turns have none", async () => {
    const s = await start();
    speak(s);
    const lastVoiced = 1000 + 10 * 32;
    const committed = 1000 + 32 * 32;
    s.t.pod({ type: "input.committed", itemId: "item_a_1", durationMs: 1000 });
    reply(s, "item_a_1", "resp_a_2", 2);
    const [m] = s.t.of("client.metrics");
    expect(m).toMatchObject({ responseId: "resp_a_2", endOfTurnMs: committed - lastVoiced, voiceToVoiceMs: clock - lastVoiced });
    s.player.finished();
    s.session.sendText("and a typed question");
    reply(s, "typed", "resp_a_4", 4);
    expect(s.t.of("client.metrics")).toHaveLength(1);
    expect(useApp.getState().latencies.find((l) => l.responseId === "resp_a_4")?.voiceToVoiceMs).toBeUndefined();
    await s.session.stop();
  });

  it("while the pod is unreachable the mic says so and sends nothing; it listens again when the session is back", async () => {
    const s = await start();
    expect(useApp.getState().mic).toBe("listening");
    s.t.drop();
    expect(useApp.getState().mic).toBe("paused");
    speak(s);
    expect(s.t.of("input.audio.commit")).toEqual([]);
    expect(s.t.audioFrames).toBe(0);
    expect(useApp.getState().notice).toMatch(/not heard/);
    // Refused, so the box keeps it, and the notice says so.
    expect(s.session.sendText("hello?")).toBe(false);
    expect(s.t.of("input.text")).toEqual([]);
    expect(useApp.getState().notice).toMatch(/not sent.*still in the box/);
    s.t.accept();
    expect(s.session.sendText("hello?")).toBe(true);
    expect(s.t.of("input.text")).toEqual([{ type: "input.text", text: "hello?" }]);
    expect(useApp.getState().mic).toBe("listening");
    speak(s);
    expect(s.t.of("input.audio.commit")).toHaveLength(1);
    expect(s.t.audioFrames).toBeGreaterThan(0);
    await s.session.stop();
  });

  it("a resumed session's turns join the earlier ones: ids are unique, nothing is overwritten", async () => {
    const s = await start();
    s.t.pod({ type: "transcript.final", itemId: "item_aa_1", text: "first", language: "en" });
    reply(s, "item_aa_1", "resp_aa_2", 2);
    s.t.pod({ type: "response.completed", responseId: "resp_aa_2", status: "completed", text: "one" });
    s.t.drop();
    s.t.accept(); // the transport resumed the session
    s.t.pod({ type: "transcript.final", itemId: "item_bb_1", text: "second", language: "en" });
    reply(s, "item_bb_1", "resp_bb_2", 2);
    s.t.pod({ type: "response.completed", responseId: "resp_bb_2", status: "completed", text: "two" });
    expect(useApp.getState().turns.map((t) => t.text)).toEqual(["first", "one", "second", "two"]);
    await s.session.stop();
  });

  it("a reply nobody heard leaves the view: taken back by a continuation, cancelled, or cut in on before its first word", async () => {
    const s = await start();
    s.t.pod({ type: "transcript.final", itemId: "item_a_1", text: "My brother is visiting.", language: "en" });
    reply(s, "item_a_1", "resp_a_2", 2);
    s.t.pod({ type: "response.text.delta", responseId: "resp_a_2", delta: "OK." });
    s.t.pod({ type: "response.completed", responseId: "resp_a_2", status: "completed", text: "OK." });
    expect(useApp.getState().turns.map((t) => t.text)).toEqual(["My brother is visiting.", "OK."]);
    // The user went on before it was heard: the pod takes it back.
    s.t.pod({ type: "response.interrupted", responseId: "resp_a_2", playedSamples: 0, heardText: "" });
    expect(useApp.getState().turns.map((t) => t.text)).toEqual(["My brother is visiting."]);
    // A reply dropped while it ran (its streamed text was never spoken).
    reply(s, "item_a_1", "resp_a_3", 3);
    s.t.pod({ type: "response.text.delta", responseId: "resp_a_3", delta: "Your brother" });
    s.t.pod({ type: "response.completed", responseId: "resp_a_3", status: "cancelled", text: "" });
    // A barge-in before the first word: interrupted, then completed, both with nothing heard.
    reply(s, "item_a_1", "resp_a_4", 4);
    s.t.pod({ type: "response.interrupted", responseId: "resp_a_4", playedSamples: 0, heardText: "" });
    s.t.pod({ type: "response.completed", responseId: "resp_a_4", status: "interrupted", text: "" });
    expect(useApp.getState().turns.map((t) => t.text)).toEqual(["My brother is visiting."]);
    // What was heard stays, marked.
    reply(s, "item_a_1", "resp_a_5", 5);
    s.t.pod({ type: "response.interrupted", responseId: "resp_a_5", playedSamples: 12000, heardText: "Have a" });
    s.t.pod({ type: "response.completed", responseId: "resp_a_5", status: "interrupted", text: "Have a" });
    expect(useApp.getState().turns.at(-1)).toMatchObject({ text: "Have a", status: "interrupted" });
    await s.session.stop();
  });

  it("captions follow the voice: a clause shows once playback reaches it, the whole reply once it is done", async () => {
    const s = await start();
    reply(s, "item_a_1", "resp_a_2", 2);
    s.t.pod({ type: "response.text.delta", responseId: "resp_a_2", delta: "One. Two. Three." });
    for (const [text, startSample, endSample] of [
      ["One.", 0, 24000],
      ["Two.", 24000, 48000],
      ["Three.", 48000, 72000],
    ] as const)
      s.t.pod({ type: "response.caption", responseId: "resp_a_2", text, startSample, endSample });
    const turn = () => useApp.getState().turns.find((t) => t.id === "resp_a_2")!;
    expect(shownText(turn(), true, 0)).toBe("One.");
    expect(shownText(turn(), true, 30_000)).toBe("One. Two.");
    expect(shownText(turn(), false, 30_000)).toBe("One. Two. Three.");
    await s.session.stop();
  });

  it("opening a stored conversation continues it on the transport", async () => {
    const s = await start();
    s.session.continueConversation("conv_1");
    expect(s.t.continued).toEqual(["conv_1"]);
    expect(useApp.getState().conversationId).toBe("conv_1");
    await s.session.stop();
  });
});
