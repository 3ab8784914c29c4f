/**
 * Piper (VITS) voices in onnxruntime-node, run in a worker thread: espeak-ng phonemes → ids →
 * waveform. A whole clause is synthesised at once, then yielded in 80 ms chunks.
 */
import { readFile } from "node:fs/promises";
import { openOnnxSession } from "../onnx-session.js";
import { EngineError, type TtsEngine } from "../types.js";
import { chunks80ms } from "./audio-chunks.js";
import { createPhonemizer } from "./espeak-phonemes.js";

interface PiperConfig {
  audio: { sample_rate: number };
  espeak: { voice: string };
  inference: { noise_scale: number; length_scale: number; noise_w: number };
  phoneme_id_map: Record<string, number[]>;
  language?: { code: string; name_english?: string };
  dataset?: string;
}

export interface PiperOptions {
  modelPath: string;
  voiceId: string;
  threads: number;
}

export async function createPiper(opts: PiperOptions): Promise<TtsEngine> {
  const config = JSON.parse(await readFile(`${opts.modelPath}.json`, "utf8")) as PiperConfig;
  const onnx = await openOnnxSession({ modelPath: opts.modelPath, threads: opts.threads }, "tts", "Piper");
  const map = config.phoneme_id_map;
  const id = (p: string) => map[p]?.[0];
  const [pad, bos, eos] = [id("_") ?? 0, id("^") ?? 1, id("$") ?? 2];
  const rate = config.audio.sample_rate;
  const language = config.language?.code.split("_")[0] ?? "en";
  const phonemizer = createPhonemizer(config.espeak.voice);

  async function synthesizeAll(text: string): Promise<Float32Array> {
    const phonemes = await phonemizer.phonemize(text);
    const ids: number[] = [bos, pad];
    for (const ch of phonemes) {
      const i = id(ch);
      if (i === undefined) continue; // Piper drops phonemes its voice never saw
      ids.push(i, pad);
    }
    ids.push(eos);
    if (ids.length <= 3) return new Float32Array(0);
    const { noise_scale, length_scale, noise_w } = config.inference;
    const out = await onnx.run({
      input: { type: "int64", data: BigInt64Array.from(ids.map(BigInt)), dims: [1, ids.length] },
      input_lengths: { type: "int64", data: BigInt64Array.from([BigInt(ids.length)]), dims: [1] },
      scales: { type: "float32", data: Float32Array.from([noise_scale, length_scale, noise_w]), dims: [3] },
    });
    return out.output!.data as Float32Array;
  }

  return {
    info: { name: "piper", model: opts.voiceId, device: "cpu" },
    sampleRate: rate,
    voices: [{ id: opts.voiceId, name: `${config.dataset ?? opts.voiceId} (${config.language?.name_english ?? language})`, language }],
    async *synthesize(text, { signal }) {
      let audio: Float32Array;
      try {
        audio = await synthesizeAll(text);
      } catch (err) {
        if (err instanceof EngineError) throw err;
        throw new EngineError("tts", (err as Error).message);
      }
      yield* chunks80ms(audio, rate, signal);
    },
    async close() {
      phonemizer.close();
      await onnx.close();
    },
  };
}
