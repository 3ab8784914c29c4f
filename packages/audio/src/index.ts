/** `@fireside/audio`: PCM, resampling, framing, WAV, playout and meters for Node, browser and AudioWorklet. */
export * from "./arrival-stats.js";
export * from "./errors.js";
export * from "./framing.js";
export * from "./meters.js";
export * from "./opus-frames.js";
export * from "./pcm.js";
export * from "./playout-queue.js";
export * from "./resampler.js";
export * from "./wav.js";
