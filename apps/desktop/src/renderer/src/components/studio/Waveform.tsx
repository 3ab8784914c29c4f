/**
 * A waveform (min/max per pixel column) with labelled markers, drawn on a canvas once per render of
 * the audio; the playhead is a line laid over it, so following the player each frame redraws nothing.
 * A click seeks there.
 */
import { useEffect, useRef } from "react";

const css = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export function Waveform({
  samples,
  sampleRate,
  markers,
  playheadMs,
  onSeek,
}: {
  samples: Float32Array;
  sampleRate: number;
  markers: { ms: number; label: string }[];
  playheadMs?: number;
  onSeek?: (ms: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const total = (samples.length / sampleRate) * 1000;
  useEffect(() => {
    const c = canvas.current;
    const g = c?.getContext("2d");
    if (!c || !g) return;
    const { width, height } = c;
    g.clearRect(0, 0, width, height);
    g.fillStyle = css("--accent", "#e0a458");
    const per = Math.max(1, Math.floor(samples.length / width));
    for (let x = 0; x < width; x++) {
      let lo = 0;
      let hi = 0;
      for (let i = x * per; i < Math.min(samples.length, (x + 1) * per); i++) {
        lo = Math.min(lo, samples[i]!);
        hi = Math.max(hi, samples[i]!);
      }
      g.fillRect(x, ((1 - hi) * height) / 2, 1, Math.max(1, ((hi - lo) * height) / 2));
    }
    g.fillStyle = css("--ok", "#8fc28f");
    g.font = "12px system-ui, sans-serif";
    for (const m of markers) {
      const x = Math.round((m.ms / total) * width);
      g.fillRect(x, 0, 1, height);
      g.fillText(m.label, x + 3, 13);
    }
  }, [samples, markers, total]);
  const at = playheadMs !== undefined && total > 0 ? Math.min(1, playheadMs / total) : 0;
  return (
    <div className="waveform-box">
      <canvas
        ref={canvas}
        width={700}
        height={90}
        className="waveform"
        data-testid="waveform"
        data-markers={markers.length}
        data-playhead-ms={Math.round(playheadMs ?? 0)}
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          onSeek?.(((e.clientX - r.left) / r.width) * total);
        }}
      />
      {at > 0 && <span className="playhead" style={{ left: `${at * 100}%` }} aria-hidden="true" />}
    </div>
  );
}
