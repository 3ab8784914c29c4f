/** Record a reference clip with a countdown and a level meter, then trim it. */
import { useEffect, useRef, useState } from "react";
import { ClipRecorder, type Recording, trimToWav } from "../../studio/clip-recorder";
import { LevelMeter } from "../LevelMeter";

const MAX_S = 30;

export function ClipRecorderPanel({ deviceId, onClip }: { deviceId: string; onClip: (f: File) => void }) {
  const [phase, setPhase] = useState<"idle" | "countdown" | "recording">("idle");
  const [count, setCount] = useState(3);
  const [level, setLevel] = useState(0);
  const [elapsed, setElapsed] = useState(0);
  const [rec, setRec] = useState<Recording | null>(null);
  const [trim, setTrim] = useState<[number, number]>([0, 0]);
  const recorder = useRef<ClipRecorder | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  useEffect(() => () => void (timer.current && clearInterval(timer.current)), []);

  const stop = async () => {
    if (timer.current) clearInterval(timer.current);
    const r = recorder.current;
    recorder.current = null;
    setPhase("idle");
    if (!r) return;
    const result = await r.stop();
    const duration = result.samples.length / result.sampleRate;
    setRec(result);
    setTrim([0, duration]);
    onClip(trimToWav(result, 0, duration));
  };

  const start = () => {
    setRec(null);
    setPhase("countdown");
    setCount(3);
    let n = 3;
    timer.current = setInterval(async () => {
      n--;
      setCount(n);
      if (n > 0) return;
      clearInterval(timer.current!);
      recorder.current = await ClipRecorder.start(deviceId || undefined);
      setPhase("recording");
      const t0 = performance.now();
      timer.current = setInterval(() => {
        const s = (performance.now() - t0) / 1000;
        setElapsed(s);
        setLevel(recorder.current?.level() ?? 0);
        if (s >= MAX_S) void stop();
      }, 100);
    }, 1000);
  };

  const duration = rec ? rec.samples.length / rec.sampleRate : 0;
  const applyTrim = (next: [number, number]) => {
    setTrim(next);
    if (rec) onClip(trimToWav(rec, next[0], next[1]));
  };

  return (
    <div className="recorder" data-testid="recorder">
      {phase === "idle" && (
        <button type="button" onClick={start}>
          Record
        </button>
      )}
      {phase === "countdown" && (
        <span className="countdown" data-testid="countdown">
          Recording in {count}…
        </span>
      )}
      {phase === "recording" && (
        <>
          <LevelMeter level={level} label="mic" />
          <span data-testid="rec-elapsed">{elapsed.toFixed(1)} s</span>
          <button type="button" onClick={() => void stop()}>
            Stop
          </button>
        </>
      )}
      {rec && phase === "idle" && (
        <div className="trim" data-testid="trim">
          <label>
            Start {trim[0].toFixed(1)} s
            <input
              type="range"
              min={0}
              max={duration}
              step={0.1}
              value={trim[0]}
              onChange={(e) => applyTrim([Math.min(Number(e.target.value), trim[1] - 0.5), trim[1]])}
              aria-label="Trim start"
            />
          </label>
          <label>
            End {trim[1].toFixed(1)} s
            <input
              type="range"
              min={0}
              max={duration}
              step={0.1}
              value={trim[1]}
              onChange={(e) => applyTrim([trim[0], Math.max(Number(e.target.value), trim[0] + 0.5)])}
              aria-label="Trim end"
            />
          </label>
          <span data-testid="trimmed-length">{(trim[1] - trim[0]).toFixed(1)} s selected</span>
        </div>
      )}
    </div>
  );
}
