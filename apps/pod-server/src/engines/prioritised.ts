/**
 * Live conversation turns go before studio work on every engine that serves one request at a
 * time: speech recognition (one Whisper process), the speaker encoder (one thread) and Piper (which
 * computes on the calling thread). Each is wrapped with a PriorityLock; FireRedTTS2 has its own
 * (the GPU scheduler in create-engines.ts). A studio request waiting here never delays a live one
 * by more than the request already running.
 */
import type { ServerMetrics } from "../metrics/metrics.js";
import { type Priority, PriorityLock } from "./priority-lock.js";
import type { AsrEngine, SpeakerEncoder, TtsEngine } from "./types.js";

/** Requests that may wait per engine before new ones get E_BUSY: far above what 64 sessions ask at once. */
const MAX_WAITING = 256;

const lockFor = (what: string, stage: string, metrics?: ServerMetrics) =>
  new PriorityLock(MAX_WAITING, what, (priority, waitMs) => metrics?.engineQueueWait.observe({ stage, priority }, waitMs / 1000));

async function withLock<T>(lock: PriorityLock, priority: Priority, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  const release = await lock.acquire(priority, signal);
  try {
    return await run();
  } finally {
    release();
  }
}

export function prioritisedAsr(asr: AsrEngine, metrics?: ServerMetrics): AsrEngine {
  const lock = lockFor("speech recognition", "asr", metrics);
  return {
    info: asr.info,
    sampleRate: asr.sampleRate,
    supportsPartials: asr.supportsPartials,
    transcribe: (audio, opts) => withLock(lock, opts.priority ?? "live", opts.signal, () => asr.transcribe(audio, opts)),
    close: () => asr.close(),
  };
}

export function prioritisedSpeaker(speaker: SpeakerEncoder, metrics?: ServerMetrics): SpeakerEncoder {
  const lock = lockFor("speaker encoder", "speaker", metrics);
  return {
    info: speaker.info,
    sampleRate: speaker.sampleRate,
    embed: (audio, opts) => withLock(lock, opts?.priority ?? "live", undefined, () => speaker.embed(audio)),
    close: () => speaker.close(),
  };
}

/** Holds the lock while a caller iterates one text's audio (Piper makes a clause in one go). */
export function prioritisedTts(tts: TtsEngine, metrics?: ServerMetrics): TtsEngine {
  const lock = lockFor("speech synthesis", "tts", metrics);
  return {
    info: tts.info,
    sampleRate: tts.sampleRate,
    get voices() {
      return tts.voices;
    },
    ...(tts.endContext ? { endContext: (id: string) => tts.endContext?.(id) } : {}),
    ...(tts.registerVoice
      ? { registerVoice: (id: string, audioPath: string, transcript: string) => tts.registerVoice!(id, audioPath, transcript) }
      : {}),
    async *synthesize(text, opts) {
      const release = await lock.acquire(opts.priority ?? "live", opts.signal);
      try {
        yield* tts.synthesize(text, opts);
      } finally {
        release();
      }
    },
    close: () => tts.close(),
  };
}
