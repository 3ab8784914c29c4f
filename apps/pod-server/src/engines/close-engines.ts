/** Closing a pod's set of engines: each stops its worker thread, child process or socket. Kept apart from create-engines.ts so closing imports no engine. */
import type { Engines } from "./types.js";

export async function closeEngines(engines: Engines): Promise<void> {
  await Promise.all([
    engines.vad.close(),
    engines.asr.close(),
    engines.llm.close(),
    engines.tts.close(),
    engines.speaker?.close(),
    engines.turn?.close(),
  ]);
}
