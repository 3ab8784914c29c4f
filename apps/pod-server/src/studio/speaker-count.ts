/**
 * Does a reference clip hold one voice? Its back-to-back 1.6 s partial embeddings are split into
 * two groups around the least similar pair; two voices show as two groups that are each at least
 * two partials long (~3 s) and unlike each other. Measured on the real clips in shared/audio: one
 * speaker's partials average 0.68–0.8 across such a split, two speakers' 0.44–0.52.
 */
import { cosineSimilarity } from "../engines/speaker/ge2e-model.js";

/** Mean similarity between the two groups below which they are different people. */
export const TWO_VOICES_BELOW = 0.6;

export interface VoiceCount {
  voices: 1 | 2;
  partials: number;
  /** Mean similarity between the two groups; null when the clip is too short to split. */
  betweenSimilarity: number | null;
}

export function countVoices(partials: Float32Array[]): VoiceCount {
  const n = partials.length;
  if (n < 4) return { voices: 1, partials: n, betweenSimilarity: null };
  const sim = partials.map((a) => partials.map((b) => cosineSimilarity(a, b)));
  let [sa, sb] = [0, 1];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (sim[i]![j]! < sim[sa]![sb]!) [sa, sb] = [i, j];
  const groupA: number[] = [];
  const groupB: number[] = [];
  for (let i = 0; i < n; i++) (sim[i]![sa]! >= sim[i]![sb]! ? groupA : groupB).push(i);
  let sum = 0;
  for (const i of groupA) for (const j of groupB) sum += sim[i]![j]!;
  const between = sum / (groupA.length * groupB.length);
  const twoVoices = groupA.length >= 2 && groupB.length >= 2 && between < TWO_VOICES_BELOW;
  return { voices: twoVoices ? 2 : 1, partials: n, betweenSimilarity: Math.round(between * 1000) / 1000 };
}
