/** Size limits both sides enforce. A frame over a limit is refused with E_FRAME_TOO_LARGE. */
export const LIMITS = {
  /** Largest JSON text frame in bytes (a persona prompt fits comfortably). */
  maxTextFrameBytes: 64 * 1024,
  /** Largest audio payload in one binary frame: 1 s of 48 kHz PCM16 mono. */
  maxAudioPayloadBytes: 48_000 * 2,
  /** Longest utterance the server buffers before it commits on its own, in ms. */
  maxUtteranceMs: 30_000,
  /**
   * Audio a session may have waiting for the server's VAD, in ms (an utterance sent at once is heard
   * whole); what comes on top is dropped (E_BUSY).
   */
  maxVadBacklogMs: 30_000,
  /** Longest typed message (`input.text`), in characters. */
  maxInputTextChars: 4000,
  /** Turns that may wait behind the running one in a session; more get E_BUSY. */
  maxWaitingTurns: 2,
} as const;

/** Sample rates the protocol accepts for audio in either direction. */
export const SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const;
export type SampleRate = (typeof SAMPLE_RATES)[number];
