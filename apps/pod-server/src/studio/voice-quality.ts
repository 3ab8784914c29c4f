/**
 * A clone's quality, measured: synthesise a test sentence in the profile's voice, transcribe it
 * and score the word error rate (intelligibility), and compare the synthesis with the reference
 * clip through the speaker encoder (similarity). Both numbers and the verdict are stored.
 */
import { concatFloat32, resample } from "@fireside/audio";
import { ProtocolError, type VoiceQuality } from "@fireside/protocol";
import { cosineSimilarity } from "../engines/speaker/ge2e-model.js";
import type { Engines } from "../engines/types.js";
import { wordErrorRate } from "./word-error-rate.js";

/**
 * GE2E cosine similarity, measured on real speech (shared/audio): halves of one speaker's clip
 * score 0.81–0.90, different people 0.37–0.69.
 */
export const SIMILARITY = { sameVoice: 0.75, resembles: 0.6 } as const;

const TEST_SENTENCES: Record<string, string> = {
  en: "The sun was setting over the quiet harbour as the fishing boats came home.",
  zh: "夕阳慢慢落下，渔船一艘接一艘地回到了安静的港口。",
};

/** `reference`: the profile's clip, 16 kHz mono. */
export async function assessVoice(voiceId: string, language: string, reference: Float32Array, engines: Engines): Promise<VoiceQuality> {
  const { tts, asr, speaker } = engines;
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
  // ASR and the speaker encoder run in separate worker threads: ask both at once.
  const [{ text }, embeddings] = await Promise.all([
    asr.transcribe(audio, { language, priority: "studio" }),
    speaker ? Promise.all([speaker.embed(reference, { priority: "studio" }), speaker.embed(audio, { priority: "studio" })]) : null,
  ]);
  const wer = wordErrorRate(sentence, text);
  let similarity: number | null = null;
  let similarityNote = "no speaker encoder is loaded on this pod";
  if (speaker && embeddings) {
    const [ref, clone] = embeddings;
    similarity = Math.round(cosineSimilarity(ref.embedding, clone.embedding) * 1000) / 1000;
    similarityNote = `${speaker.info.name} speaker embeddings, cosine: ≥ ${SIMILARITY.sameVoice} sounds like the same person, ${SIMILARITY.resembles}–${SIMILARITY.sameVoice} resembles them, below is another voice`;
  }
  return {
    sentence,
    transcript: text,
    wer,
    similarity,
    similarityNote,
    verdict: verdict(wer, similarity),
    engine: `${tts.info.name}/${tts.info.model}`,
    assessedAt: new Date().toISOString(),
  };
}

/** Good: understood and recognisably the person; fair: understood and resembling; else poor. */
function verdict(wer: number, similarity: number | null): VoiceQuality["verdict"] {
  const sim = similarity ?? SIMILARITY.sameVoice; // without an encoder, intelligibility alone decides
  if (wer <= 0.15 && sim >= SIMILARITY.sameVoice) return "good";
  if (wer <= 0.35 && sim >= SIMILARITY.resembles) return "fair";
  return "poor";
}
