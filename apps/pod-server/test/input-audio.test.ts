/** The input side on its own: the pre-roll before speech, the utterance handed over whole, and how much of it the VAD heard as voice. */
import { setImmediate as nextTick } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import { InputAudio, MAX_VAD_BACKLOG_SAMPLES } from "../src/session/input-audio.js";
import type { TurnEvent } from "../src/session/turn-detector.js";

const detection = { mode: "client_vad", silenceMs: 300, threshold: 0.5, minSpeechMs: 100 } as const;
const voice = (ms: number) => Float32Array.from({ length: ms * 16 }, (_, k) => 0.5 * Math.sin(k / 3));
const silence = (ms: number) => new Float32Array(ms * 16);

function input() {
  const engines = createInstantEngines({ replySeconds: 1 });
  return new InputAudio(engines.vad, detection, { onTurnEvent: () => {}, onError: (e) => expect.fail(String(e)) });
}

describe("input audio", () => {
  it("keeps the last 400 ms before an utterance starts (pre-roll plus minSpeechMs), so the first syllable is not clipped", () => {
    const a = input();
    for (let i = 0; i < 10; i++) a.push(silence(100));
    a.startCollecting();
    expect(a.collectedMs).toBe(400);
    a.push(voice(500));
    const u = a.take();
    expect(u.samples).toBe(900 * 16);
    expect(a.collecting).toBe(false);
  });

  it("server VAD: the utterance starts 300 ms before the voice's onset, even when a dip came before the frames that confirmed it", async () => {
    const events: TurnEvent[] = [];
    const engines = createInstantEngines({ replySeconds: 1 });
    const a = new InputAudio(
      engines.vad,
      { ...detection, mode: "server_vad" },
      {
        onTurnEvent: (e) => events.push(e),
        onError: (e) => expect.fail(String(e)),
      },
    );
    // As a microphone sends it, the VAD caught up between frames: a soft "St-", a dip, then "-op".
    for (const part of [silence(1024), voice(96), silence(96), voice(448)])
      for (let i = 0; i < part.length; i += 512) {
        a.push(part.subarray(i, i + 512));
        await nextTick();
      }
    const started = events.find((e) => e.type === "speech_started")!;
    expect(started.atMs).toBe(1024 + 96 + 96); // confirmed on the frames after the dip
    a.startCollecting(started.atMs * 16);
    expect(a.take().samples).toBe((300 + 96 + 96 + 448) * 16);
  });

  it("reports the voiced share of what was committed, once the VAD has caught up with it", async () => {
    const a = input();
    a.startCollecting();
    a.push(silence(512));
    a.push(voice(512));
    a.push(silence(512));
    expect(await a.take().voicedMs).toBe(512);
    a.startCollecting();
    a.push(silence(1024));
    expect(await a.take().voicedMs).toBe(0);
  });

  it("puts the earlier part of a sentence that went on in front, and clear drops the utterance", () => {
    const a = input();
    a.startCollecting();
    a.push(voice(300));
    a.prepend(voice(200));
    expect(a.current().length).toBe(500 * 16);
    a.clear();
    expect(a.collecting).toBe(false);
    a.startCollecting();
    expect(a.take().samples).toBe(0);
  });
});

describe("input audio when the VAD falls behind", () => {
  /** A VAD that answers only when told to: a pod too busy to keep up with one speaker. */
  function stalledVad() {
    const waiting: (() => void)[] = [];
    let fail = false;
    let asked = 0;
    const engine = {
      frameSamples: 512,
      createStream: () => ({
        process: () =>
          ++asked && new Promise<number>((resolve, reject) => waiting.push(() => (fail ? reject(new Error("vad broke")) : resolve(0)))),
      }),
    };
    return {
      engine: engine as unknown as ConstructorParameters<typeof InputAudio>[0],
      release: () => {
        for (const w of waiting.splice(0)) w();
      },
      pending: () => waiting.length,
      asked: () => asked,
      failNext: (on: boolean) => {
        fail = on;
      },
    };
  }

  it("holds at most an utterance of audio (30 s) for it, drops the rest with one E_BUSY, and hears again once it catches up", async () => {
    const vad = stalledVad();
    const errors: { code?: string }[] = [];
    const a = new InputAudio(vad.engine, detection, { onTurnEvent: () => {}, onError: (e) => errors.push(e as { code?: string }) });
    for (let i = 0; i < 2000; i++) a.push(silence(20)); // 40 s of a microphone against a stalled VAD
    expect(errors.map((e) => e.code)).toEqual(["E_BUSY"]);
    expect(MAX_VAD_BACKLOG_SAMPLES).toBe(30 * 16000);
    // Frames are handed to the VAD one at a time; what waits behind them is bounded.
    for (let k = 0; k < 2000; k++) {
      await new Promise((r) => setImmediate(r));
      if (vad.pending() === 0) break;
      vad.release();
    }
    // 30 s of 32 ms frames, not 40 s of them.
    expect(vad.asked()).toBeGreaterThanOrEqual(935);
    expect(vad.asked()).toBeLessThanOrEqual(938);
    a.startCollecting();
    a.push(voice(640));
    expect(a.collectedMs).toBeGreaterThanOrEqual(640);
    expect(errors).toHaveLength(1);
  });

  it("reports a VAD failure once and goes on hearing the frames after it", async () => {
    const vad = stalledVad();
    const errors: unknown[] = [];
    const a = new InputAudio(vad.engine, detection, { onTurnEvent: () => {}, onError: (e) => errors.push(e) });
    vad.failNext(true);
    a.push(silence(32));
    await vi.waitFor(() => expect(vad.pending()).toBe(1));
    vad.release();
    vad.failNext(false);
    a.push(silence(32));
    a.push(silence(32));
    await vi.waitFor(() => expect(vad.pending()).toBe(1));
    vad.release();
    await vi.waitFor(() => expect(vad.pending()).toBe(1));
    vad.release();
    expect(errors).toHaveLength(1);
  });
});
