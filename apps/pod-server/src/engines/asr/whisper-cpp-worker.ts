/**
 * Child process for whisper.cpp: the binding's `full()` is synchronous and cannot be interrupted,
 * so it runs here, off the event loop that streams audio for every session, where the pod can kill
 * a transcription nobody needs any more (a guess the speaker talked over). One request at a time.
 *
 * argv: modelPath threads fitContext(0|1) nice
 */
import { setPriority } from "node:os";
import { Whisper, WhisperFullParams, WhisperSamplingStrategy } from "@napi-rs/whisper";
import { asrTokenBudget, whisperEncoderContext } from "./decode-budget.js";
import { collapseRepeatedTail } from "./whisper-loops.js";

export interface AsrRequest {
  id: number;
  audio: Float32Array;
  language?: string;
}
export type AsrReply = { ready: true } | { id: number; text: string; language: string } | { id: number; error: string };

const [modelPath = "", threadsArg = "1", fitArg = "1", niceArg = "0"] = process.argv.slice(2);
const threads = Number(threadsArg);
const fitContext = fitArg === "1";
const send = (reply: AsrReply) => process.send!(reply);
// The pod's event loop runs first on busy cores; whisper.cpp's threads inherit this thread's nice value.
if (Number(niceArg) > 0) {
  try {
    setPriority(0, Number(niceArg));
  } catch {
    // not permitted here: run at the same priority
  }
}
// The pod went away: nobody will read a transcript.
process.on("disconnect", () => process.exit(0));

const whisper = new Whisper(modelPath);
const multilingual = whisper.isMultilingual !== 0;

process.on("message", (req: AsrRequest) => {
  try {
    const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    params.nThreads = threads;
    params.noTimestamps = true;
    params.singleSegment = false;
    params.printProgress = false;
    params.printRealtime = false;
    params.printTimestamps = false;
    params.suppressNonSpeechTokens = true;
    params.maxTokens = asrTokenBudget(req.audio.length);
    const language = multilingual ? (req.language ?? "auto") : "en";
    params.language = language;
    params.detectLanguage = false;
    if (fitContext) params.audioCtx = whisperEncoderContext(req.audio.length);
    const text = collapseRepeatedTail(whisper.full(params, req.audio).trim(), req.audio.length / 16000);
    const langId = whisper.fullLangId;
    const detected = language === "auto" ? (langId >= 0 ? (Whisper.lang(langId) ?? "und") : "und") : language;
    send({ id: req.id, text, language: detected });
  } catch (err) {
    send({ id: req.id, error: (err as Error).message });
  }
});
send({ ready: true });
