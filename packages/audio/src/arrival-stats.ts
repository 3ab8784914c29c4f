/**
 * How a stream of audio frames arrives: frames lost (gaps in `seq`), interarrival jitter against
 * the frames' own media time (RFC 3550 §6.4.1: each frame's arrival spacing minus its media
 * spacing, smoothed by 1/16) and the bitrate per second of audio. The pod sends each reply's first frames
 * ahead of real time on purpose (its playback lead), so the first `settleFrames` of a stream are
 * counted for loss and bytes but not for jitter.
 */
export interface ArrivingFrame {
  streamId: number;
  seq: number;
  sampleOffset: number;
  sampleRate: number;
}

export class ArrivalStats {
  jitterMs = 0;
  lostFrames = 0;
  frames = 0;
  bytes = 0;
  /** Media time the frames span, stream by stream. */
  private mediaSpanMs = 0;
  private previous: { streamId: number; seq: number; atMs: number; mediaMs: number; index: number } | null = null;

  constructor(private readonly settleFrames = 25) {}

  record(frame: ArrivingFrame, atMs: number, bytes: number): void {
    this.frames++;
    this.bytes += bytes;
    const mediaMs = (frame.sampleOffset / frame.sampleRate) * 1000;
    const p = this.previous;
    const sameStream = p !== null && p.streamId === frame.streamId;
    if (sameStream && frame.seq > p.seq + 1) this.lostFrames += frame.seq - p.seq - 1;
    const index = sameStream ? p.index + 1 : 0;
    if (sameStream) this.mediaSpanMs += mediaMs - p.mediaMs;
    if (sameStream && index > this.settleFrames) {
      const d = atMs - p.atMs - (mediaMs - p.mediaMs);
      this.jitterMs += (Math.abs(d) - this.jitterMs) / 16;
    }
    this.previous = { streamId: frame.streamId, seq: frame.seq, atMs, mediaMs, index };
  }

  /** Bits on the wire per second of audio, in kbit/s (not per second of wall time: replies arrive in bursts). */
  get kbps(): number {
    return this.mediaSpanMs > 0 ? (this.bytes * 8) / this.mediaSpanMs : 0;
  }
}
