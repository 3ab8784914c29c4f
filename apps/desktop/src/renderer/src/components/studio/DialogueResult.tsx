/** A rendered dialogue: its waveform with line markers and a playhead (click to seek), the player, and export. */
import { useEffect, useMemo, useState } from "react";
import type { LineTiming } from "../../studio/studio-api";
import { Waveform } from "./Waveform";

export function DialogueResult({
  url,
  samples,
  timings,
  names,
  audio,
}: {
  url: string;
  samples: Float32Array;
  timings: LineTiming[];
  names: Record<string, string>;
  audio: React.RefObject<HTMLAudioElement | null>;
}) {
  const [playheadMs, setPlayheadMs] = useState(0);
  // Kept across the playhead's renders: new markers would redraw the whole waveform every frame.
  const markers = useMemo(() => timings.map((t) => ({ ms: t.startMs, label: names[t.speaker] ?? t.speaker })), [timings, names]);
  // The playhead follows the player every frame while it plays (timeupdate alone moves in ~250 ms steps).
  useEffect(() => {
    const a = audio.current;
    if (!a) return;
    let frame = 0;
    const tick = () => {
      setPlayheadMs(a.currentTime * 1000);
      if (!a.paused) frame = requestAnimationFrame(tick);
    };
    const start = () => {
      cancelAnimationFrame(frame);
      tick();
    };
    a.addEventListener("play", start);
    a.addEventListener("seeked", tick);
    a.addEventListener("pause", tick);
    return () => {
      cancelAnimationFrame(frame);
      a.removeEventListener("play", start);
      a.removeEventListener("seeked", tick);
      a.removeEventListener("pause", tick);
    };
  }, [audio]);
  return (
    <div className="result">
      <Waveform
        samples={samples}
        sampleRate={24000}
        markers={markers}
        playheadMs={playheadMs}
        onSeek={(ms) => {
          if (audio.current) audio.current.currentTime = ms / 1000;
        }}
      />
      <div className="row">
        {/* biome-ignore lint/a11y/useMediaCaption: the dialogue's text is shown line by line above */}
        <audio ref={audio} controls src={url} data-testid="dialogue-audio" />
        <a className="button" href={url} download="dialogue.wav" data-testid="export-wav">
          Export WAV
        </a>
      </div>
    </div>
  );
}
