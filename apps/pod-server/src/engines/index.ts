/** The engines' public surface (`@fireside/pod-server/engines`): each CPU engine's factory and where its model is, for benchmarks and tools. */
export { createWhisperCpp } from "./asr/whisper-cpp.js";
export { resolveModel } from "./create-engines.js";
export { createLlamaCpp } from "./llm/llama-cpp.js";
export { createGe2eEncoder } from "./speaker/ge2e.js";
export { createPiper } from "./tts/piper.js";
export type * from "./types.js";
export { createSileroVad } from "./vad/silero.js";
