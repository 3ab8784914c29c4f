/**
 * The end-of-turn rules, on verdicts recorded from the real model (Smart Turn v3.2, pipecat's
 * reference features and onnxruntime, 2026-12-07): real speech from ../shared/audio and espeak-ng.
 */
import { describe, expect, it } from "vitest";
import { endOfTurnWait } from "../src/session/end-of-turn.js";

const WAITS = { silenceMs: 600, finishedSilenceMs: 300, unfinishedSilenceMs: 1500 };
/** Recorded: the model's probability that the speaker had finished, 128 ms into each pause. */
const RECORDED = {
  /** en_S1 at 5.02 s, mid-sentence (a person). */
  humanMidSentence: 0.009,
  /** en_S1's last word: people's real ends often score low too. */
  humanEnd: 0.016,
  /** espeak-ng "Paris." */
  syntheticParis: 0.984,
  /** espeak-ng "I was wondering whether the": flat synthetic prosody sounds finished at every stop. */
  syntheticHanging: 0.86,
  /** espeak-ng "I went to the shop and um". */
  syntheticFiller: 0.013,
};

describe("how long a pause must last to end the turn", () => {
  it("a finished-sounding answer ends after the short wait, without waiting for its transcript", () => {
    expect(endOfTurnWait(RECORDED.syntheticParis, undefined, WAITS)).toEqual({ waitMs: 300, rule: "audio_finished" });
    expect(endOfTurnWait(RECORDED.syntheticParis, "finished", WAITS)).toEqual({ waitMs: 300, rule: "audio_finished" });
  });

  it("a mid-sentence pause waits long while only the audio has spoken", () => {
    expect(endOfTurnWait(RECORDED.humanMidSentence, undefined, WAITS)).toEqual({ waitMs: 1500, rule: "audio_unfinished" });
    expect(endOfTurnWait(RECORDED.syntheticFiller, "unsure", WAITS)).toEqual({ waitMs: 1500, rule: "audio_unfinished" });
  });

  it("words that cannot end a sentence wait long even when the audio sounds finished", () => {
    expect(endOfTurnWait(RECORDED.syntheticHanging, "unfinished", WAITS)).toEqual({ waitMs: 1500, rule: "words_unfinished" });
  });

  it("a person's real end that the model doubts ends on the configured silence once the words read finished", () => {
    expect(endOfTurnWait(RECORDED.humanEnd, "finished", WAITS)).toEqual({ waitMs: 600, rule: "audio_unsure_words_finished" });
  });

  it("without a model the transcript decides as before: finished short, unfinished long, else the silence", () => {
    expect(endOfTurnWait(undefined, undefined, WAITS)).toEqual({ waitMs: 600, rule: "silence" });
    expect(endOfTurnWait(undefined, "finished", WAITS)).toEqual({ waitMs: 300, rule: "words_finished" });
    expect(endOfTurnWait(undefined, "unfinished", WAITS)).toEqual({ waitMs: 1500, rule: "words_unfinished" });
    expect(endOfTurnWait(undefined, "unsure", WAITS)).toEqual({ waitMs: 600, rule: "silence" });
  });
});

describe("while the model works on the pause", () => {
  it("nothing ends the turn before its verdict but the long wait; words that land first still decide", () => {
    expect(endOfTurnWait(undefined, undefined, WAITS, true)).toEqual({ waitMs: 1500, rule: "no_verdict" });
    expect(endOfTurnWait(undefined, "unfinished", WAITS, true)).toEqual({ waitMs: 1500, rule: "words_unfinished" });
    expect(endOfTurnWait(undefined, "finished", WAITS, true)).toEqual({ waitMs: 300, rule: "words_finished" });
  });
});
