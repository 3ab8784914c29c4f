/** Maps "the client played N samples" back to the words the user actually heard. */

export interface SpokenSegment {
  text: string;
  /** Output-sample range [start, end) that the segment's audio occupies. */
  start: number;
  end: number;
}

export function heardText(segments: readonly SpokenSegment[], playedSamples: number): string {
  const words: string[] = [];
  for (const seg of segments) {
    if (playedSamples >= seg.end) {
      words.push(...seg.text.split(/\s+/).filter(Boolean));
      continue;
    }
    if (playedSamples > seg.start && seg.end > seg.start) {
      const segWords = seg.text.split(/\s+/).filter(Boolean);
      // Speech spreads roughly evenly over a clause; keep only words fully inside the played part.
      const n = Math.floor((segWords.length * (playedSamples - seg.start)) / (seg.end - seg.start));
      words.push(...segWords.slice(0, n));
    }
    break;
  }
  return words.join(" ");
}
