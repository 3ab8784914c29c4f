/**
 * Moonshine tiny on real speech: it reads a clear English question with a confidence high enough
 * to be kept, is unsure of speech it cannot read (so Whisper gets it), and stops when aborted.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesize } from "../../../tests/support/speech.js";
import { createMoonshine } from "../src/engines/asr/moonshine.js";
import { type AsrEngine, EngineError } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

const modelDir = join(defaultModelsDir(), "moonshine-tiny-en");
/** The first pass's default (FIRESIDE_ASR_FIRST_PASS_CONFIDENCE). */
const KEPT = 0.9;

describe.skipIf(!existsSync(join(modelDir, "encoder_model.ort")))(
  "Moonshine engine (model from the cache; `pnpm models` fetches it)",
  () => {
    let asr: AsrEngine;
    beforeAll(async () => {
      asr = await createMoonshine({ modelDir, modelName: "moonshine-tiny-en", threads: 1 });
    });
    afterAll(() => asr?.close());

    it("reads a clear English question, confident enough to be kept", async () => {
      const t = await asr.transcribe(synthesize("What time is it?", { rate: 16000, padBefore: 0.3, padAfter: 0.2 }), {});
      expect(t.text).toMatch(/^what time is it\?$/i);
      expect(t.confidence).toBeGreaterThanOrEqual(KEPT);
    });

    it("is unsure of speech it cannot read (German), so the accurate engine would take it", async () => {
      const german = synthesize("Guten Morgen, wie geht es dir heute? Ich habe gut geschlafen.", {
        rate: 16000,
        espeakVoice: "de",
        padBefore: 0.3,
        padAfter: 0.2,
      });
      expect((await asr.transcribe(german, {})).confidence).toBeLessThan(KEPT);
    });

    it("returns nothing for a clip too short to read, and refuses another language", async () => {
      expect(await asr.transcribe(new Float32Array(800), {})).toEqual({ text: "", confidence: 0, language: "en" });
      await expect(asr.transcribe(new Float32Array(16000), { language: "fr" })).rejects.toBeInstanceOf(EngineError);
    });

    it("an aborted transcription rejects with the caller's reason, and the next one works", async () => {
      const long = synthesize("The kitchen lights were on all night, and the cat sat by the window watching the rain.", {
        rate: 16000,
        padBefore: 0.3,
        padAfter: 0.2,
      });
      const abort = new AbortController();
      const pending = asr.transcribe(long, { signal: abort.signal });
      abort.abort(new Error("the speaker went on"));
      await expect(pending).rejects.toThrow("the speaker went on");
      expect((await asr.transcribe(long, {})).text.toLowerCase()).toMatch(/kitchen lights/);
    });
  },
);
