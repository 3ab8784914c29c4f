/**
 * A clone's quality, measured: synthesise a test sentence in the profile's voice, transcribe it,
 * and score the word error rate (intelligibility). Speaker similarity needs a speaker-embedding
 * model, which this pod does not have yet: it is reported as unavailable, never guessed.
 */
import { concatFloat32, resample } from "@fireside/audio";
import { ProtocolError, type VoiceQuality } from "@fireside/protocol";
import type { Engines } from "../engines/types.js";
import { wordErrorRate } from "./word-error-rate.js";

const TEST_SENTENCES: Record<string, string> = {
  en: "The sun was setting over the quiet harbour as the fishing boats came home.",
  zh: "夕阳慢慢落下，渔船一艘接一艘地回到了安静的港口。",
};

export async function assessVoice(voiceId: string, language: string, engines: Engines): Promise<VoiceQuality> {
  const { tts, asr } = engines;
  if (!tts.registerVoice) {
    throw new ProtocolError(
      "E_BAD_REQUEST",
      `quality assessment needs a cloning TTS engine (FireRedTTS2); this pod runs ${tts.info.name} with preset voices only`,
    );
  }
  const sentence = TEST_SENTENCES[language.slice(0, 2)] ?? TEST_SENTENCES.en!;
  const chunks: Float32Array[] = [];
  for await (const c of tts.synthesize(sentence, { voice: voiceId, signal: new AbortController().signal, priority: "studio" }))
    chunks.push(c);
  const audio = resample(concatFloat32(chunks), tts.sampleRate, 16000);
  const { text } = await asr.transcribe(audio, { language });
  const wer = wordErrorRate(sentence, text);
  return {
    sentence,
    transcript: text,
    wer,
    similarity: null,
    similarityNote: "no speaker-embedding model is installed on this pod",
    verdict: wer <= 0.15 ? "good" : wer <= 0.35 ? "fair" : "poor",
    engine: `${tts.info.name}/${tts.info.model}`,
    assessedAt: new Date().toISOString(),
  };
}
