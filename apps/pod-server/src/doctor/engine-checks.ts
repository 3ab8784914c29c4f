/** `pnpm doctor`'s last step: every engine of this config loads and runs one tiny inference. */
import type { Config } from "../config/config.js";
import { closeEngines } from "../engines/close-engines.js";
import { createEngines } from "../engines/create-engines.js";
import type { Engines } from "../engines/types.js";
import type { Finding } from "./checks.js";

async function timed(check: string, what: string, fn: () => Promise<string>): Promise<Finding> {
  const t = performance.now();
  try {
    const result = await fn();
    return { check, status: "ok", detail: `${what}: ${result} (${Math.round(performance.now() - t)} ms)` };
  } catch (err) {
    return {
      check,
      status: "fail",
      detail: `${what} failed: ${(err as Error).message}`,
      fix: "see the pod's log at start; docs/operations.md, Troubleshooting",
    };
  }
}

/** Loads the engines (the models are already there: nothing is downloaded) and runs each once. */
export async function checkEngines(config: Config): Promise<Finding[]> {
  let engines: Engines;
  try {
    engines = await createEngines(config, { cacheDir: config.modelsDir }, () => {});
  } catch (err) {
    return [
      {
        check: "engines",
        status: "fail",
        detail: `could not load: ${(err as Error).message}`,
        fix: "fix the findings above, then run pnpm doctor again",
      },
    ];
  }
  const signal = new AbortController().signal;
  try {
    const findings = [
      ...(engines.degraded ?? []).map(
        (d): Finding => ({
          check: `engine ${d.stage}`,
          status: "warn",
          detail: `${d.wanted} failed to load (${d.reason}); ${d.serving} serves instead`,
          fix: "the pod runs degraded: fix the preferred engine (its model, CUDA, or its endpoint)",
        }),
      ),
      await timed("engine vad", engines.vad.info.name, async () => {
        const p = await engines.vad.createStream().process(new Float32Array(engines.vad.frameSamples));
        return `speech probability ${p.toFixed(2)} on silence`;
      }),
      await timed("engine asr", `${engines.asr.info.name} (${engines.asr.info.model})`, async () => {
        const t = await engines.asr.transcribe(new Float32Array(16000), { language: "en" });
        return `transcribed 1 s of silence as ${JSON.stringify(t.text)}`;
      }),
      await timed("engine llm", `${engines.llm.info.name} (${engines.llm.info.model})`, async () => {
        let text = "";
        for await (const d of engines.llm.stream([{ role: "user", content: "Say hi." }], { signal, maxTokens: 4, temperature: 0 }))
          text += d;
        return `answered ${JSON.stringify(text.trim())}`;
      }),
      await timed("engine tts", `${engines.tts.info.name} (${engines.tts.info.model})`, async () => {
        let samples = 0;
        for await (const chunk of engines.tts.synthesize("Hello.", { signal })) samples += chunk.length;
        if (!samples) throw new Error("no audio");
        return `${((samples / engines.tts.sampleRate) * 1000).toFixed(0)} ms of speech for "Hello."`;
      }),
    ];
    return findings;
  } finally {
    await closeEngines(engines);
  }
}
