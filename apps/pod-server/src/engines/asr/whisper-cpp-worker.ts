/**
 * Worker thread for whisper.cpp: the binding's `full()` is synchronous, so it runs here, off the
 * event loop that streams audio for every session. One request at a time, in arrival order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Whisper, WhisperFullParams, WhisperSamplingStrategy } from "@napi-rs/whisper";
import { whisperTokenBudget } from "./decode-budget.js";
import { collapseRepeatedTail } from "./whisper-loops.js";

export interface AsrRequest {
  id: number;
  audio: Float32Array;
  language?: string;
}
export type AsrReply = { id: number; text: string; language: string } | { id: number; error: string };

const { modelPath, threads, fitContext } = workerData as { modelPath: string; threads: number; fitContext: boolean };
const whisper = new Whisper(modelPath);
const multilingual = whisper.isMultilingual !== 0;

parentPort!.on("message", (req: AsrRequest) => {
  try {
    const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    params.nThreads = threads;
    params.noTimestamps = true;
    params.singleSegment = false;
    params.printProgress = false;
    params.printRealtime = false;
    params.printTimestamps = false;
    params.suppressNonSpeechTokens = true;
    params.maxTokens = whisperTokenBudget(req.audio.length);
    const language = multilingual ? (req.language ?? "auto") : "en";
    params.language = language;
    params.detectLanguage = false;
    // The encoder's cost scales with its context; fitting it to the utterance (plus margin)
    // is 2–3× faster on CPU for short turns. 50 context positions = 1 s of audio.
    if (fitContext) params.audioCtx = Math.min(1500, Math.max(384, Math.ceil((req.audio.length / 16000) * 50) + 128));
    const text = collapseRepeatedTail(whisper.full(params, req.audio).trim());
    const langId = whisper.fullLangId;
    const detected = language === "auto" ? (langId >= 0 ? (Whisper.lang(langId) ?? "und") : "und") : language;
    parentPort!.postMessage({ id: req.id, text, language: detected } satisfies AsrReply);
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message } satisfies AsrReply);
  }
});
