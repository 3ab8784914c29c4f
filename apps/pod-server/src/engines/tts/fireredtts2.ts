/**
 * FireRedTTS2 as a TtsEngine: text front end, the GPU scheduler (as many requests at once as the
 * worker batches, live turns first), and the supervised Python worker streaming 80 ms chunks at 24 kHz.
 */
import { int16ToFloat } from "@fireside/audio";
import { normaliseForSpeech, splitForSpeech } from "../../pipeline/text-normaliser.js";
import type { PriorityLock } from "../priority-lock.js";
import type { TtsEngine, VoiceInfo } from "../types.js";
import { defaultVoice } from "./default-voice.js";
import { FireRedWorker, type WorkerOptions } from "./fireredtts2-worker.js";

export interface FireRedTts2Options extends WorkerOptions {
  scheduler: PriorityLock;
  language: string;
  /** Voices to register at start: id → reference clip and its exact transcript. */
  voices: (VoiceInfo & { audioPath: string; transcript: string })[];
}

export async function createFireRedTts2(opts: FireRedTts2Options): Promise<TtsEngine & { worker: FireRedWorker }> {
  const worker = new FireRedWorker(opts);
  await worker.start();
  opts.scheduler.setCapacity(worker.info.maxStreams);
  for (const v of opts.voices) await worker.registerVoice(v.id, v.audioPath, v.transcript);
  return {
    worker,
    info: { name: "fireredtts2", model: worker.info.model, device: worker.info.device === "cpu" ? "cpu" : "cuda" },
    sampleRate: 24000,
    voices: opts.voices.map(({ id, name, language }) => ({ id, name, language })),
    async *synthesize(text, { voice, signal, priority, context }) {
      const release = await opts.scheduler.acquire(priority ?? "live", signal);
      try {
        for (const piece of splitForSpeech(normaliseForSpeech(text, opts.language), opts.language)) {
          for await (const pcm of worker.synthesize(piece, voice ?? defaultVoice(opts.voices), signal, context)) {
            if (signal.aborted) return;
            yield int16ToFloat(pcm);
          }
        }
      } finally {
        release();
      }
    },
    registerVoice: (id, audioPath, transcript) => worker.registerVoice(id, audioPath, transcript),
    endContext: (id) => worker.endContext(id),
    close: () => worker.close(),
  };
}
