/**
 * Whether the reply's audio is arriving well enough to sound right, from the link figures the
 * transport reports every 25 frames of reply: the share of frames lost since the last
 * report, and the smoothed jitter. Past either limit the voice audibly breaks up, and the app says
 * so and why instead of leaving the user to guess.
 */
import type { LinkStats } from "../transport/pod-transport";

/** Lost frames at or above this share (over the last report) are heard as dropouts. */
export const POOR_LOSS = 0.03;
/** Jitter at or above this outgrows the playback lead's margin: gaps between clauses. */
export const POOR_JITTER_MS = 60;

/** One sentence when the link is poor, else null. `prev`: the report before (null, or another session's). */
export function linkWarning(prev: LinkStats | null, now: LinkStats): string | null {
  const since = prev && prev.frames <= now.frames ? prev : null;
  const frames = now.frames - (since?.frames ?? 0);
  const lost = now.lostFrames - (since?.lostFrames ?? 0);
  const loss = frames + lost > 0 ? lost / (frames + lost) : 0;
  if (loss < POOR_LOSS && now.jitterMs < POOR_JITTER_MS) return null;
  const why = [
    loss >= POOR_LOSS ? `${Math.round(loss * 100)}% of the voice's packets lost` : null,
    now.jitterMs >= POOR_JITTER_MS ? `${Math.round(now.jitterMs)} ms of jitter` : null,
  ].filter(Boolean);
  return `Poor connection (${why.join(", ")}): the voice may break up.`;
}
