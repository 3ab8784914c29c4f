/**
 * The fast-then-accurate recogniser: which transcript a turn gets, and when the accurate engine
 * runs. The two engines are scripted test doubles; the real Moonshine is in moonshine.test.ts.
 */
import { describe, expect, it } from "vitest";
import { type FirstPassOutcome, withFirstPass } from "../src/engines/asr/first-pass.js";
import { type AsrEngine, EngineError, type Transcript } from "../src/engines/types.js";

/** An ASR test double that answers `result` (or throws it) and records each call. */
function scriptedAsr(model: string, result: Transcript | Error, calls: string[], gate?: Promise<void>): AsrEngine {
  return {
    info: { name: model, model, device: "cpu" },
    sampleRate: 16000,
    supportsPartials: false,
    async transcribe(_audio, { signal }) {
      calls.push(model);
      await gate;
      if (signal?.aborted) throw signal.reason;
      if (result instanceof Error) throw result;
      return result;
    },
    close: async () => {},
  };
}

const second = new Float32Array(16000);
const ACCURATE: Transcript = { text: "What is the capital city of France?", language: "en" };

function cascade(fast: Transcript | Error, opts: { gate?: Promise<void> } = {}) {
  const calls: string[] = [];
  const outcomes: FirstPassOutcome[] = [];
  const asr = withFirstPass(scriptedAsr("fast", fast, calls, opts.gate), scriptedAsr("accurate", ACCURATE, calls), {
    minConfidence: 0.9,
    maxSeconds: 8,
    onOutcome: (o) => outcomes.push(o),
  });
  return { asr, calls, outcomes };
}

describe("ASR first pass", () => {
  it("keeps a confident fast transcript, and Whisper never runs", async () => {
    const { asr, calls, outcomes } = cascade({ text: "What time is it?", confidence: 0.97, language: "en" });
    expect((await asr.transcribe(second, {})).text).toBe("What time is it?");
    expect(calls).toEqual(["fast"]);
    expect(outcomes).toEqual(["kept"]);
  });

  it("hands an unsure, empty or failed fast pass to the accurate engine", async () => {
    for (const fast of [
      { text: "What is the capital city on France?", confidence: 0.6, language: "en" },
      { text: "", confidence: 1, language: "en" },
      { text: "no confidence reported", language: "en" },
      new EngineError("asr", "the fast model broke"),
    ]) {
      const { asr, calls, outcomes } = cascade(fast);
      expect((await asr.transcribe(second, {})).text).toBe(ACCURATE.text);
      expect(calls).toEqual(["fast", "accurate"]);
      expect(outcomes).toEqual(["fallback"]);
    }
  });

  it("sends studio work, other languages and long utterances straight to the accurate engine", async () => {
    const confident = { text: "Hello there.", confidence: 0.99, language: "en" };
    for (const [audio, options] of [
      [second, { priority: "studio" as const }],
      [second, { language: "zh" }],
      [new Float32Array(9 * 16000), {}],
    ] as const) {
      const { asr, calls, outcomes } = cascade(confident);
      expect((await asr.transcribe(audio, options)).text).toBe(ACCURATE.text);
      expect(calls).toEqual(["accurate"]);
      expect(outcomes).toEqual(["skipped"]);
    }
  });

  it("an abort during the fast pass ends the transcription: the accurate engine is not started", async () => {
    let open!: () => void;
    const { asr, calls } = cascade({ text: "What time", confidence: 0.2, language: "en" }, { gate: new Promise((r) => (open = r)) });
    const abort = new AbortController();
    const pending = asr.transcribe(second, { signal: abort.signal });
    abort.abort(new Error("the speaker went on"));
    open();
    await expect(pending).rejects.toThrow("the speaker went on");
    expect(calls).toEqual(["fast"]);
  });
});
