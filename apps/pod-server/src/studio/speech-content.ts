/**
 * Whether a clip holds speech at all, by the VAD (Silero): the share of its frames the detector
 * calls speech. Level checks cannot tell a voice from noise (white noise is loud and never
 * silent); the VAD can.
 */
import type { VadEngine } from "../engines/types.js";

/** A frame counts as speech at this probability (Silero's own default threshold). */
const SPEECH_PROBABILITY = 0.5;

export async function speechRatio(vad: VadEngine, samples16k: Float32Array): Promise<number> {
  const stream = vad.createStream();
  const n = vad.frameSamples;
  let frames = 0;
  let speech = 0;
  for (let i = 0; i + n <= samples16k.length; i += n) {
    frames++;
    if ((await stream.process(samples16k.subarray(i, i + n))) >= SPEECH_PROBABILITY) speech++;
  }
  return frames ? speech / frames : 0;
}
