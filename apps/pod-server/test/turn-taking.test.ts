/**
 * Turn-taking on its own, over the energy-VAD test double: utterances start and end, speech after a
 * commit continues it or barges in, and a voice over a playing reply pauses it until its words say
 * whether it was a barge-in.
 */

import { setImmediate } from "node:timers/promises";
import type { ServerMessage } from "@fireside/protocol";
import { describe, expect, it } from "vitest";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import { pollUntil } from "../../../tests/support/poll.js";
import type { Reply } from "../src/session/reply.js";
import { type CommittedUtterance, TurnTaking } from "../src/session/turn-taking.js";

type Call = [string, ...unknown[]];

function hearing(opts: { mode?: "client_vad" | "server_vad"; answer?: Partial<Reply>; playing?: boolean; words?: string } = {}) {
  const engines = createInstantEngines({ replySeconds: 1 });
  if (opts.words !== undefined) engines.asr.transcribe = async () => ({ text: opts.words!, language: "en" });
  const calls: Call[] = [];
  const messages: ServerMessage[] = [];
  let n = 0;
  let paused = false;
  const t = new TurnTaking(
    engines,
    {
      detection: { mode: opts.mode ?? "client_vad", silenceMs: 300, threshold: 0.5, minSpeechMs: 100 },
      language: "en",
      speculate: false,
      partialMs: 0,
      continuationMs: 2000,
    },
    {
      send: (m) => messages.push(m),
      fail: (err) => calls.push(["fail", err]),
      currentReply: () => null,
      replyTo: () => opts.answer as Reply | undefined,
      draft: () => null,
      userSpeaking: () => calls.push(["userSpeaking"]),
      bargeIn: () => {
        paused = false;
        calls.push(["bargeIn"]);
      },
      // Like the session's replies: one response.paused per pause, however often it is asked.
      pauseReply: () => {
        if (!opts.playing) return null;
        if (!paused) calls.push(["pauseReply"]);
        paused = true;
        return { text: "Once upon a time there was a lighthouse keeper." } as Reply;
      },
      resumeReply: (reason) => {
        paused = false;
        calls.push(["resumeReply", reason]);
      },
      continued: (itemId) => calls.push(["continued", itemId]),
      committed: (itemId, u: CommittedUtterance) => calls.push(["committed", itemId, u.samples]),
      committedNothing: () => calls.push(["committedNothing"]),
    },
    () => `item_${++n}`,
  );
  const loud = (ms: number) => t.push(Float32Array.from({ length: ms * 16 }, (_, k) => 0.5 * Math.sin(k / 3)));
  const quiet = (ms: number) => t.push(new Float32Array(ms * 16));
  /** As a microphone sends it: 32 ms at a time, the VAD caught up between frames. */
  const live = async (ms: number, amplitude: number) => {
    for (let i = 0; i < ms / 32; i++) {
      t.push(Float32Array.from({ length: 512 }, (_, k) => amplitude * Math.sin(k / 3)));
      await setImmediate();
    }
  };
  return { t, calls, messages, loud, quiet, live };
}

const named = (calls: Call[], name: string) => calls.filter((c) => c[0] === name);

describe("turn-taking", () => {
  it("client VAD: audio starts an utterance, a commit hands it over under one item id, a near-empty commit is nothing", () => {
    const h = hearing();
    h.loud(500);
    h.t.commit();
    expect(h.calls).toEqual([["userSpeaking"], ["committed", "item_1", 8000]]);
    h.quiet(50);
    h.t.commit();
    expect(h.calls.at(-1)).toEqual(["committedNothing"]);
  });

  it("server VAD: speech then silence is one utterance, committed when the silence ends the turn", async () => {
    const h = hearing({ mode: "server_vad" });
    await h.live(192, 0);
    await h.live(608, 0.5);
    await h.live(512, 0);
    await pollUntil("the end of the turn", () => named(h.calls, "committed").length === 1);
    expect(h.messages.map((m) => m.type)).toEqual(["input.speech_started", "input.speech_stopped"]);
    const [, itemId, samples] = named(h.calls, "committed")[0]!;
    expect(itemId).toBe("item_1");
    expect(samples).toBeGreaterThan(600 * 16); // with the pre-roll before speech was confirmed
  });

  it("speech soon after a commit whose answer nobody heard continues the same item", () => {
    const h = hearing({ answer: { heardMoreThan: () => false } as Partial<Reply> });
    h.loud(500);
    h.t.commit();
    h.t.clientSpeechStarted();
    expect(named(h.calls, "continued")).toEqual([["continued", "item_1"]]);
    expect(named(h.calls, "bargeIn")).toEqual([]);
    h.loud(300);
    h.t.commit();
    expect(named(h.calls, "committed").at(-1)).toEqual(["committed", "item_1", 8000 + 4800]);
  });

  it("speech after the answer was heard, or after a typed turn, is a barge-in and a new item", () => {
    const heard = hearing({ answer: { heardMoreThan: () => true } as Partial<Reply> });
    heard.loud(500);
    heard.t.commit();
    heard.t.clientSpeechStarted();
    expect(named(heard.calls, "bargeIn")).toHaveLength(1);
    expect(named(heard.calls, "continued")).toEqual([]);

    const typed = hearing({ answer: { heardMoreThan: () => false } as Partial<Reply> });
    typed.loud(500);
    typed.t.commit();
    typed.t.typed();
    typed.t.clientSpeechStarted();
    expect(named(typed.calls, "bargeIn")).toHaveLength(1);
    typed.loud(300);
    typed.t.commit();
    expect(named(typed.calls, "committed").at(-1)?.[1]).toBe("item_2");
  });

  describe("a voice over a playing reply (server VAD)", () => {
    /** Silence, a voice of `ms`, then silence until the pod has judged it. */
    async function voiceOver(words: string, ms: number) {
      const h = hearing({ mode: "server_vad", playing: true, words });
      await h.live(192, 0);
      await h.live(ms, 0.5);
      await h.live(128, 0);
      const judged = () => h.calls.some((c) => c[0] === "resumeReply" || c[0] === "committed");
      for (let i = 0; i < 40 && !judged(); i++) await h.live(32, 0);
      await pollUntil("the voice to be judged", judged);
      return h;
    }

    it("a backchannel pauses the reply and resumes it; it is no turn", async () => {
      const h = await voiceOver("Mm-hmm.", 448);
      // Paused a few frames into the voice, before it was confirmed as speech.
      expect(h.calls.map((c) => c[0])).toEqual(["pauseReply", "userSpeaking", "resumeReply"]);
      expect(named(h.calls, "resumeReply")[0]).toEqual(["resumeReply", "backchannel"]);
    });

    it("a sound with no words (what Whisper makes of a cough) resumes the reply as a noise", async () => {
      const h = await voiceOver("[coughing]", 320);
      expect(named(h.calls, "resumeReply")).toEqual([["resumeReply", "noise"]]);
      expect(named(h.calls, "committed")).toEqual([]);
    });

    it("the reply's own words heard back (echo) resume it too", async () => {
      const h = await voiceOver("a lighthouse keeper", 640);
      expect(named(h.calls, "resumeReply")).toEqual([["resumeReply", "echo"]]);
      expect(named(h.calls, "bargeIn")).toEqual([]);
    });

    it("a short word that is not a backchannel is a barge-in: the reply stops and the word is the next turn", async () => {
      const h = await voiceOver("Stop.", 448);
      expect(h.calls.map((c) => c[0])).toEqual(["pauseReply", "userSpeaking", "bargeIn", "committed"]);
      expect(named(h.calls, "committed")[0]?.[1]).toBe("item_1");
    });

    it("voice longer than any backchannel is a barge-in while the speaker is still talking", async () => {
      const h = hearing({ mode: "server_vad", playing: true, words: "yeah" });
      await h.live(192, 0);
      await h.live(1280, 0.5);
      expect(h.calls.map((c) => c[0])).toEqual(["pauseReply", "userSpeaking", "bargeIn"]);
    });

    it('a barge-in right after a dismissed sound began with it: the sound\'s audio leads the turn ("Stop, … tell me")', async () => {
      const h = await voiceOver("", 320);
      expect(named(h.calls, "resumeReply")).toEqual([["resumeReply", "noise"]]);
      await h.live(1280, 0.5);
      await h.live(800, 0);
      await pollUntil("the barge-in's turn", () => named(h.calls, "committed").length === 1);
      expect(named(h.calls, "bargeIn")).toHaveLength(1);
      const samples = named(h.calls, "committed")[0]![2] as number;
      // The barge-in alone comes to ~1.6 s with its pre-roll; the dismissed sound adds ~0.8 s in front.
      expect(samples).toBeGreaterThan((1600 + 500) * 16);
    });

    it("a voice that fades before it is speech (a click, a knock) resumes the reply it paused", async () => {
      const h = hearing({ mode: "server_vad", playing: true });
      await h.live(192, 0);
      await h.live(96, 0.5); // VOICE_ONSET_MS, short of minSpeechMs (100 here)
      await h.live(256, 0);
      expect(h.calls).toEqual([["pauseReply"], ["resumeReply", "noise"]]);
      expect(h.messages).toEqual([]);
    });

    it("with nothing playing, a voice is an ordinary turn", async () => {
      const quiet = hearing({ mode: "server_vad", words: "Mm-hmm." });
      await quiet.live(192, 0);
      await quiet.live(448, 0.5);
      await quiet.live(800, 0);
      await pollUntil("the turn", () => named(quiet.calls, "committed").length === 1);
      expect(quiet.calls.map((c) => c[0])).toEqual(["userSpeaking", "committed"]);
    });
  });
});
