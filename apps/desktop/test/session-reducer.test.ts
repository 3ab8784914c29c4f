/** The one reducer from the voice session's events to the app's state: what the user sees for each thing the pod or the app says. */
import { describe, expect, it } from "vitest";
import { reduceSessionEvent, type SessionSlice } from "../src/renderer/src/session/session-reducer";
import { useApp } from "../src/renderer/src/store/app-store";

const initial = (): SessionSlice => ({ ...useApp.getInitialState() });
/** The state after each event in turn, as the store applies them. */
function apply(s: SessionSlice, ...events: Parameters<typeof reduceSessionEvent>[1][]): SessionSlice {
  let state = s;
  for (const ev of events) state = { ...state, ...reduceSessionEvent(state, ev) };
  return state;
}

describe("session reducer", () => {
  it("a reply streams into one turn, keeps only what was heard when cut, and leaves the view when nothing was", () => {
    let s = apply(
      initial(),
      { type: "server", message: { type: "response.created", responseId: "r1", streamId: 1, inReplyTo: "i1" } },
      { type: "server", message: { type: "response.text.delta", responseId: "r1", delta: "Hello " } },
      { type: "server", message: { type: "response.text.delta", responseId: "r1", delta: "there, friend." } },
    );
    expect(s.turns).toEqual([{ id: "r1", role: "assistant", text: "Hello there, friend.", live: true }]);
    s = apply(s, {
      type: "server",
      message: { type: "response.interrupted", responseId: "r1", playedSamples: 9000, heardText: "Hello there," },
    });
    expect(s.turns[0]).toMatchObject({ text: "Hello there,", live: false, status: "interrupted" });
    s = apply(
      s,
      { type: "server", message: { type: "response.created", responseId: "r2", streamId: 2, inReplyTo: "i2" } },
      { type: "server", message: { type: "response.interrupted", responseId: "r2", playedSamples: 0, heardText: "" } },
      { type: "server", message: { type: "response.completed", responseId: "r2", status: "interrupted", text: "" } },
    );
    expect(s.turns.map((t) => t.id)).toEqual(["r1"]);
  });

  it("a lost connection clears the round trip and link figures; a new session ends what was still streaming", () => {
    let s = apply(initial(), { type: "rtt", ms: 12.4 }, { type: "connection", status: "connected", notice: null });
    expect(s.rttMs).toBe(12);
    s = apply(
      s,
      { type: "server", message: { type: "response.created", responseId: "r1", streamId: 1, inReplyTo: "i1" } },
      { type: "connection", status: "reconnecting", notice: "Lost the pod connection." },
    );
    // The connection's own words go to its card (connectionNotice), not to the banner.
    expect(s).toMatchObject({
      connection: "reconnecting",
      rttMs: null,
      link: null,
      connectionNotice: "Lost the pod connection.",
      notice: null,
    });
    expect(s.turns[0]!.live).toBe(true);
    const ready = { ...useApp.getInitialState(), turns: s.turns };
    s = apply(ready, { type: "server", message: { type: "session.ready", resumed: true, conversationId: "conv_1" } as never });
    expect(s.turns[0]).toMatchObject({ live: false, status: "interrupted" });
    expect(s.conversationId).toBe("conv_1");
  });

  it("a committed utterance that held no speech leaves the view with a notice, instead of a 'You …' that never ends", () => {
    const s = apply(
      initial(),
      { type: "server", message: { type: "input.committed", itemId: "i1", durationMs: 900 } as never },
      {
        type: "server",
        message: { type: "error", code: "E_NO_SPEECH", message: "the voice detector heard no speech", retryable: false } as never,
      },
    );
    expect(s.turns).toEqual([]);
    expect(s.notice).toBe("Didn't catch that — try again.");
  });

  it("a session that is not resumed (the pod restarted) starts idle, and the cut reply keeps only the clauses that were heard", () => {
    let s = apply(
      initial(),
      { type: "server", message: { type: "session.state", state: "speaking" } },
      { type: "server", message: { type: "input.committed", itemId: "i1", audioStartMs: 0, audioEndMs: 900 } as never },
      { type: "server", message: { type: "transcript.final", itemId: "i1", text: "Tell me a story" } as never },
      { type: "server", message: { type: "response.created", responseId: "r1", streamId: 1, inReplyTo: "i1" } },
      { type: "server", message: { type: "response.text.delta", responseId: "r1", delta: "Once upon a time. There was a dojo. Kiai!" } },
      { type: "server", message: { type: "response.caption", responseId: "r1", text: "Once upon a time.", startSample: 0 } as never },
      { type: "server", message: { type: "response.caption", responseId: "r1", text: "There was a dojo.", startSample: 48_000 } as never },
      { type: "server", message: { type: "response.caption", responseId: "r1", text: "Kiai!", startSample: 120_000 } as never },
      { type: "playback", bufferedMs: 900, underruns: 0, playing: true, playedMs: 4200, audible: true, level: 0.1 },
      { type: "server", message: { type: "session.ready", resumed: false, conversationId: "conv_1" } as never },
    );
    expect(s).toMatchObject({ sessionState: "idle", audible: false });
    expect(s.turns.map((t) => [t.role, t.text, t.live, t.status])).toEqual([
      ["user", "Tell me a story", false, undefined],
      ["assistant", "Once upon a time. There was a dojo.", false, "interrupted"],
    ]);
    // The pod's stored conversation then replaces the view, so it says what History says.
    s = apply(s, {
      type: "stored",
      conversation: {
        id: "conv_1",
        history: [
          { itemId: "i1", role: "user", text: "Tell me a story" },
          { itemId: "r1", role: "assistant", text: "Once upon a time.", status: "interrupted" },
        ],
      } as never,
    });
    expect(s.turns.map((t) => t.text)).toEqual(["Tell me a story", "Once upon a time."]);
    // Another conversation's history never lands in this one's view.
    const other = apply(s, { type: "stored", conversation: { id: "conv_2", history: [] } as never });
    expect(other.turns).toHaveLength(2);
  });

  it("the mic's state, errors in plain words, latencies per reply and the GPU history are each kept in one place", () => {
    const s = apply(
      initial(),
      { type: "mic", status: "listening", muted: true, talkingWhileMuted: true },
      { type: "server", message: { type: "error", code: "E_NO_SPEECH", message: "no words", retryable: true } },
      { type: "latency", responseId: "r1", metrics: { voiceToVoiceMs: 900 } },
      { type: "server", message: { type: "turn.metrics", responseId: "r1", metrics: { asrMs: 120 } } },
      ...Array.from({ length: 130 }, (_, i) => ({ type: "gpu" as const, at: i, utilisation: 1, memoryMiB: 1, memoryTotalMiB: 2 })),
    );
    expect(s).toMatchObject({ mic: "listening", muted: true, talkingWhileMuted: true, notice: "Didn't catch that — try again." });
    expect(s.latencies).toEqual([{ responseId: "r1", voiceToVoiceMs: 900, asrMs: 120 }]);
    expect(s.gpuHistory).toHaveLength(120);
    expect(s.gpuHistory[0]!.at).toBe(10);
  });

  it("a reply's latencies carry how the pod ended the turn and how many sounds it played on through", () => {
    const endOfTurn = { rule: "audio_finished" as const, waitMs: 300, probability: 0.97, modelMs: 80 };
    const s = apply(
      initial(),
      { type: "server", message: { type: "turn.metrics", responseId: "r1", metrics: { asrMs: 120 }, endOfTurn } },
      { type: "server", message: { type: "response.resumed", responseId: "r1", reason: "backchannel", pausedMs: 700 } },
      { type: "server", message: { type: "response.resumed", responseId: "r1", reason: "noise", pausedMs: 400 } },
    );
    expect(s.latencies).toEqual([{ responseId: "r1", asrMs: 120, endOfTurn, resumes: 2 }]);
  });
});
