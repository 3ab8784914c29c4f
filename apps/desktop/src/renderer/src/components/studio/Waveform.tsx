/** A waveform (min/max per pixel column) with labelled markers and a playhead, drawn on a canvas; a click seeks there. */
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
    if (playheadMs !== undefined && playheadMs > 0) {
      g.fillStyle = css("--ink", "#f1e6da");
      g.fillRect(Math.round((playheadMs / total) * width), 0, 2, height);
    }
  }, [samples, markers, playheadMs, total]);
  return (
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
  );
}
