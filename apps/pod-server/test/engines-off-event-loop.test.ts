/**
 * onnxruntime-node's `run` computes on the calling thread, so Piper and Moonshine run in worker
 * threads: while they compute, the event loop (every session's frames, pings, barge-ins) is free.
 * Checked by CPU time, which a loaded machine does not distort: the main thread spends a small
 * part of what the process spends on a synthesis or a transcription.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { synthesize } from "../../../tests/support/speech.js";
import { createMoonshine } from "../src/engines/asr/moonshine.js";
import { createPiper } from "../src/engines/tts/piper.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";

const piperModel = join(defaultModelsDir(), "piper-en_US-joe-medium", "en_US-joe-medium.onnx");
const moonshineDir = join(defaultModelsDir(), "moonshine-tiny-en");

/** CPU seconds of this process's main thread (Linux: utime + stime in clock ticks of 10 ms). */
function mainThreadCpu(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU seconds spent by the main thread and by the whole process while `work` runs. */
async function cpuDuring(work: () => Promise<unknown>): Promise<{ main: number; all: number }> {
  const [main0, all0] = [mainThreadCpu(), processCpu()];
  await work();
  return { main: mainThreadCpu() - main0, all: processCpu() - all0 };
}

const PARAGRAPH =
  "The lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lantern, a flask of tea " +
  "and a notebook in which he wrote down the ships he saw, the colour of the sea, and the birds that rested " +
  "on the railing, and in forty years he never missed a single night, not even in the great storm of the winter.";

describe.skipIf(process.platform !== "linux")("engines compute off the event loop", { timeout: 120_000 }, () => {
  it("runs on the main thread of this process (the check reads that thread's CPU time)", () => {
    expect(isMainThread).toBe(true);
  });

  it.skipIf(!existsSync(piperModel))("Piper: the main thread spends under a quarter of a synthesis's CPU time", async () => {
    const piper = await createPiper({ modelPath: piperModel, voiceId: "en_US-joe-medium", threads: 1 });
    try {
      let samples = 0;
      const cpu = await cpuDuring(async () => {
        for await (const chunk of piper.synthesize(PARAGRAPH, { voice: "en_US-joe-medium", signal: new AbortController().signal }))
          samples += chunk.length;
      });
      expect(samples / piper.sampleRate).toBeGreaterThan(10); // a real synthesis happened
      expect(cpu.all).toBeGreaterThan(0.2);
      expect(cpu.main).toBeLessThan(cpu.all / 4);
    } finally {
      await piper.close();
    }
  });

  it.skipIf(!existsSync(join(moonshineDir, "encoder_model.ort")))(
    "Moonshine: the main thread spends under a quarter of a transcription's CPU time",
    async () => {
      const asr = await createMoonshine({ modelDir: moonshineDir, modelName: "moonshine-tiny-en", threads: 1 });
      try {
        const audio = synthesize(PARAGRAPH.split(", and in")[0]!, { rate: 16000, padBefore: 0.3, padAfter: 0.2 });
        let text = "";
        const cpu = await cpuDuring(async () => {
          for (let i = 0; i < 3; i++) text = (await asr.transcribe(audio, {})).text;
        });
        expect(text.toLowerCase()).toMatch(/light ?house ?keeper/);
        expect(cpu.all).toBeGreaterThan(0.2);
        expect(cpu.main).toBeLessThan(cpu.all / 4);
      } finally {
        await asr.close();
      }
    },
  );
});
