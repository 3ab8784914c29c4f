/**
 * espeak-ng's rule-based voices as presets: robotic, but distinct from each other and from Piper's,
 * so a CPU pod (which cannot clone) can still give each speaker of a dialogue a voice of its own.
 * Output is resampled to the rate of the engine they sit beside.
 */
import { execFile } from "node:child_process";
import { readWav, resample } from "@fireside/audio";
import { EngineError, type TtsEngine, type VoiceInfo } from "../types.js";
import { chunks80ms } from "./audio-chunks.js";

export interface EspeakPreset extends VoiceInfo {
  /** espeak-ng voice and variant, e.g. "en-us+f3". */
  espeakVoice: string;
}

/** Parses FIRESIDE_ESPEAK_PRESETS: "en-us+f3=Ada,en-gb+m3=Rupert" (empty: none). */
export function parseEspeakPresets(spec: string): EspeakPreset[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [espeakVoice, name] = entry.split("=").map((x) => x.trim());
      if (!espeakVoice || !name) throw new Error(`espeak preset "${entry}" is not voice=Name`);
      return {
        id: `espeak-${espeakVoice.replace(/[^a-z0-9]+/gi, "-")}`,
        name: `${name} (espeak-ng, robotic)`,
        language: espeakVoice.slice(0, 2),
        espeakVoice,
      };
    });
}

function speak(text: string, voice: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    execFile(
      "espeak-ng",
      ["--stdout", "-v", voice, "--", text],
      { encoding: "buffer", maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (err, stdout) =>
        err ? reject(new EngineError("tts", `espeak-ng failed (is it installed?): ${err.message}`)) : resolve(new Uint8Array(stdout)),
    );
  });
}

export function createEspeakVoices(opts: { presets: EspeakPreset[]; sampleRate: number }): TtsEngine {
  return {
    info: { name: "espeak-ng", model: opts.presets.map((p) => p.espeakVoice).join(","), device: "cpu" },
    sampleRate: opts.sampleRate,
    voices: opts.presets.map(({ id, name, language }) => ({ id, name, language })),
    async *synthesize(text, { voice, signal }) {
      const preset = opts.presets.find((p) => p.id === voice) ?? opts.presets[0];
      if (!preset) throw new EngineError("tts", "no espeak-ng presets are configured");
      const wav = readWav(await speak(text, preset.espeakVoice));
      const audio = resample(wav.samples, wav.sampleRate, opts.sampleRate);
      yield* chunks80ms(audio, opts.sampleRate, signal);
    },
    async close() {},
  };
}
