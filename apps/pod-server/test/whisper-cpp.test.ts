/** whisper.cpp in its child process on real speech: transcription, a dead process replaced, an abort. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import { describe, expect, it } from "vitest";
import { createWhisperCpp } from "../src/engines/asr/whisper-cpp.js";
import { EngineError } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

const model = join(defaultModelsDir(), "whisper-tiny.en", "ggml-tiny.en.bin");
/** The default model: slow enough per utterance that a kill beats a reload by a wide margin. */
const baseModel = join(defaultModelsDir(), "whisper-base", "ggml-base-q8_0.bin");

describe.skipIf(!existsSync(model))("whisper.cpp engine (models from the cache; `pnpm models` fetches them)", () => {
  it("transcribes, and replaces a dead process so later turns work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "asr-"));
    execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "a.wav"), "Turn on the kitchen lights."]);
    execFileSync("sox", [join(dir, "a.wav"), "-r", "16000", join(dir, "b.wav")]);
    const audio = readWav(readFileSync(join(dir, "b.wav"))).samples;
    const asr = await createWhisperCpp({ modelPath: model, modelName: "whisper-tiny.en", threads: 2, partials: false, fitContext: true });
    try {
      expect((await asr.transcribe(audio, {})).text.toLowerCase()).toMatch(/kitchen/);
      const inFlight = asr.transcribe(audio, {});
      asr.crashForTest();
      await expect(inFlight).rejects.toBeInstanceOf(EngineError);
      expect(asr.restarts()).toBe(1);
      expect((await asr.transcribe(audio, {})).text.toLowerCase()).toMatch(/kitchen/);
    } finally {
      await asr.close();
    }
    // Two processes start (each a Node boot and a model load): a deadline for a loaded CI machine.
  }, 30_000);

  it.skipIf(!existsSync(baseModel))(
    "an aborted long transcription stops at once (its process is killed, a fresh one serves the next turn) unless others wait",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "asr-"));
      // A long utterance (~28 s: the whole 30 s encoder window, several times the model's load time),
      // so killing the process is worth it when it is aborted just after it started.
      const story = "The kitchen lights were on all night, and the cat sat by the window watching the rain fall on the garden. ";
      execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "long.wav"), story.repeat(4)]);
      execFileSync("sox", [join(dir, "long.wav"), "-r", "16000", join(dir, "long16.wav")]);
      execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "a.wav"), "Turn on the kitchen lights."]);
      execFileSync("sox", [join(dir, "a.wav"), "-r", "16000", join(dir, "b.wav")]);
      const long = readWav(readFileSync(join(dir, "long16.wav"))).samples;
      const short = readWav(readFileSync(join(dir, "b.wav"))).samples;
      const asr = await createWhisperCpp({
        modelPath: baseModel,
        modelName: "whisper-base",
        threads: 2,
        partials: false,
        fitContext: true,
      });
      try {
        // One real turn first: the engine learns how long a transcription takes.
        expect((await asr.transcribe(short, {})).text.toLowerCase()).toMatch(/kitchen/);
        const abort = new AbortController();
        const guess = asr.transcribe(long, { signal: abort.signal });
        abort.abort(new Error("the speaker went on"));
        await expect(guess).rejects.toThrow("the speaker went on");
        expect(asr.killed()).toBe(1);
        expect(asr.restarts()).toBe(0); // a kill on purpose is not a crash
        expect((await asr.transcribe(short, {})).text.toLowerCase()).toMatch(/kitchen/);
        // With another transcription waiting (a second conversation), a reload would hold it up:
        // the aborted one is left to finish and the waiting one follows on the same process.
        const again = new AbortController();
        const stale = asr.transcribe(long, { signal: again.signal });
        const waiting = asr.transcribe(short, {});
        again.abort(new Error("the speaker went on"));
        await expect(stale).rejects.toThrow("the speaker went on");
        expect((await waiting).text.toLowerCase()).toMatch(/kitchen/);
        expect(asr.killed()).toBe(1);
        // An aborted request still waiting in line is only dropped: nothing is killed.
        const first = asr.transcribe(short, {});
        const queued = new AbortController();
        const second = asr.transcribe(short, { signal: queued.signal });
        queued.abort(new Error("not needed"));
        await expect(second).rejects.toThrow("not needed");
        expect((await first).text.toLowerCase()).toMatch(/kitchen/);
        expect(asr.killed()).toBe(1);
      } finally {
        await asr.close();
      }
    },
    // A deadline, not a latency: the stale case transcribes all ~28 s of speech on two threads, and
    // the other unit files share those cores (60 s ran out twice this session on a loaded machine).
    180_000,
  );
});
