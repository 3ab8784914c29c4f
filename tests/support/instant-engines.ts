/**
 * TEST DOUBLES — not features. Engines that answer at once with canned output, instrumented with
 * the time they spent, so benchmarks can measure the pipeline's own overhead and capacity
 * without model cost. Never selectable from the server's config.
 */
import type { Engines } from "@fireside/pod-server";

export interface InstantEngineOptions {
  /** Seconds of reply audio the TTS double produces per reply. */
  replySeconds: number;
  sampleRate?: number;
  /**
   * A cloning TTS double: registerVoice keeps the ids it is given, and synthesising a voice that is
   * neither its preset nor registered fails — so a test sees whether a pod handed it a stored voice.
   */
  cloning?: boolean;
  /** Wall time each synthesis takes before its audio (a render long enough to be interrupted). */
  synthesisMs?: number;
}

export interface EngineClock {
  /** Total ms spent inside engine calls (what overhead measurements subtract). */
  engineMs: number;
}

export function createInstantEngines(opts: InstantEngineOptions): Engines & { clock: EngineClock } {
  const clock: EngineClock = { engineMs: 0 };
  const registered = new Set<string>();
  const rate = opts.sampleRate ?? 24000;
  const timed = <T>(fn: () => T): T => {
    const t = performance.now();
    try {
      return fn();
    } finally {
      clock.engineMs += performance.now() - t;
    }
  };
  // 80 ms chunks like FireRedTTS2; a 250 Hz tone repeats exactly every 80 ms at 24 kHz.
  const tone = Float32Array.from({ length: Math.round(rate * 0.08) }, (_, k) => 0.2 * Math.sin((k * 2 * Math.PI * 250) / rate));
  const info = (name: string) => ({ name: `instant-${name} (test double)`, model: "none", device: "cpu" as const });
  return {
    clock,
    vad: {
      info: info("vad"),
      sampleRate: 16000,
      frameSamples: 512,
      createStream: () => ({
        // Energy threshold: enough for synthetic benchmark input, not a VAD.
        process: async (frame) =>
          timed(() => {
            let e = 0;
            for (let i = 0; i < frame.length; i++) e += frame[i]! * frame[i]!;
            return e / frame.length > 1e-4 ? 0.9 : 0.1;
          }),
        reset() {},
      }),
      async close() {},
    },
    asr: {
      info: info("asr"),
      sampleRate: 16000,
      supportsPartials: false,
      transcribe: async () => timed(() => ({ text: "benchmark question", language: "en" })),
      async close() {},
    },
    llm: {
      info: info("llm"),
      async *stream() {
        for (const w of ["Sure, ", "here is ", "a reply ", "for the ", "benchmark."]) yield timed(() => w);
      },
      async close() {},
    },
    tts: {
      info: info("tts"),
      sampleRate: rate,
      voices: [{ id: "instant", name: "Instant (test double)", language: "en" }],
      ...(opts.cloning ? { registerVoice: async (id: string) => void registered.add(id) } : {}),
      async *synthesize(text, { signal, voice }) {
        if (opts.cloning && voice && voice !== "instant" && !registered.has(voice))
          throw new Error(`voice ${voice} was never registered here`);
        if (opts.synthesisMs) await new Promise((r) => setTimeout(r, opts.synthesisMs));
        // The reply's audio spread over its clauses by length, in 80 ms chunks like FireRedTTS2.
        const total = Math.round(opts.replySeconds * rate * Math.min(1, text.length / 40));
        for (let i = 0; i < total && !signal.aborted; i += tone.length)
          yield timed(() => tone.subarray(0, Math.min(tone.length, total - i)));
      },
      async close() {},
    },
  };
}
