/** A waveform (min/max per pixel column) with labelled markers, drawn on a canvas. */
import { useEffect, useRef } from "react";

export function Waveform({
  samples,
  sampleRate,
  markers,
}: {
  samples: Float32Array;
  sampleRate: number;
  markers: { ms: number; label: string }[];
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const g = c?.getContext("2d");
    if (!c || !g) return;
    const { width, height } = c;
    g.clearRect(0, 0, width, height);
    g.fillStyle = "#e0a458";
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
    const total = (samples.length / sampleRate) * 1000;
    g.fillStyle = "#8fc28f";
    g.font = "11px sans-serif";
    for (const m of markers) {
      const x = Math.round((m.ms / total) * width);
      g.fillRect(x, 0, 1, height);
      g.fillText(m.label, x + 3, 12);
    }
  }, [samples, sampleRate, markers]);
  return <canvas ref={canvas} width={700} height={90} className="waveform" data-testid="waveform" data-markers={markers.length} />;
}
