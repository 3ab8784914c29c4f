/** The input side on its own: the pre-roll before speech, the utterance handed over whole, and how much of it the VAD heard as voice. */
import { describe, expect, it } from "vitest";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import { InputAudio } from "../src/session/input-audio.js";

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
