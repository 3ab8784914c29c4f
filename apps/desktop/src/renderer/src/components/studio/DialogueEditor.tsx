/** The dialogue editor: lines and their speakers, a voice for each speaker, the render on the pod with progress, playback from any line, export. */
import { type DialogueLine, SPEAKERS, type Speaker } from "@fireside/protocol";
import { useEffect, useRef, useState } from "react";
import type { Job, LineTiming, StudioApi } from "../../studio/studio-api";
import { useStudio } from "../../studio/studio-store";
import { nameVoices } from "../../studio/voice-names";
import { ScriptIo } from "./ScriptIo";
import { Waveform } from "./Waveform";

/** A line with a key that follows it when lines move, so inputs keep their own text and focus. */
type EditorLine = DialogueLine & { key: number };
let nextLineKey = 0;
const keyed = (lines: DialogueLine[]): EditorLine[] => lines.map((l) => ({ ...l, key: nextLineKey++ }));
const scriptOf = (lines: DialogueLine[]) => JSON.stringify(lines.map(({ speaker, text }) => ({ speaker, text })));

export function DialogueEditor({ api }: { api: StudioApi }) {
  const voices = useStudio((s) => s.voices);
  const onError = useStudio((s) => s.setError);
  const [lines, setLines] = useState<EditorLine[]>(() =>
    keyed([
      { speaker: "S1", text: "Welcome to the show." },
      { speaker: "S2", text: "Thanks for having me." },
    ]),
  );
  const [cast, setCast] = useState<Partial<Record<Speaker, string>>>({});
  const [job, setJob] = useState<Job | null>(null);
  const [result, setResult] = useState<{ url: string; timings: LineTiming[]; samples: Float32Array; script: string } | null>(null);
  // A failed render is explained next to the Render button, naming voices by name.
  const [renderError, setRenderError] = useState<string | null>(null);
  // The render's object URL is released when a new render replaces it or the editor goes away.
  useEffect(() => (result ? () => URL.revokeObjectURL(result.url) : undefined), [result]);
  // "Play from here" needs the render to be of this script: after an edit its timings point elsewhere.
  const stale = result !== null && result.script !== scriptOf(lines);
  const audio = useRef<HTMLAudioElement>(null);
  const used = [...new Set(lines.map((l) => l.speaker))];
  // Each speaker starts in a different voice (S1 the first, S2 the second, …), so a dialogue never sounds like one person.
  const voiceFor = (s: Speaker) => cast[s] ?? voices[SPEAKERS.indexOf(s) % Math.max(1, voices.length)]?.id ?? "";

  const playFrom = (ms: number) => {
    const a = audio.current;
    if (!a) return;
    a.currentTime = ms / 1000;
    void a.play();
  };
  const update = (i: number, patch: Partial<DialogueLine>) => setLines((ls) => ls.map((l, k) => (k === i ? { ...l, ...patch } : l)));
  const move = (i: number, d: number) =>
    setLines((ls) => {
      const j = i + d;
      if (j < 0 || j >= ls.length) return ls;
      const next = ls.slice();
      [next[i], next[j]] = [next[j]!, next[i]!];
      return next;
    });

  const render = async () => {
    onError(null);
    setRenderError(null);
    setResult(null);
    try {
      const script = scriptOf(lines);
      const submitted = await api.render(
        lines.map(({ speaker, text }) => ({ speaker, text })),
        Object.fromEntries(used.map((s) => [s, voiceFor(s)])),
      );
      setJob(submitted);
      const j = await api.follow(submitted.id, setJob);
      if (j.status !== "done") {
        if (j.status === "failed") setRenderError(`Rendering failed: ${nameVoices(j.error ?? "", voices)}`);
        return;
      }
      const [blob, timings] = await Promise.all([api.audio(j.id), api.timings(j.id)]);
      const ctx = new OfflineAudioContext(1, 1, 24000);
      const decoded = await ctx.decodeAudioData(await blob.arrayBuffer());
      setResult({ url: URL.createObjectURL(blob), timings, samples: decoded.getChannelData(0), script });
    } catch (e) {
      setRenderError(`Could not render: ${nameVoices((e as Error).message, voices)}`);
    }
  };

  return (
    <div className="panel">
      <h2>Dialogue</h2>
      <ol className="lines" data-testid="dialogue-lines">
        {lines.map((l, i) => (
          <li key={l.key}>
            <select
              value={l.speaker}
              onChange={(e) => update(i, { speaker: e.target.value as Speaker })}
              aria-label={`Speaker of line ${i + 1}`}
            >
              {SPEAKERS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            <input value={l.text} onChange={(e) => update(i, { text: e.target.value })} aria-label={`Line ${i + 1}`} />
            <button type="button" onClick={() => move(i, -1)} aria-label="Move up">
              ↑
            </button>
            <button type="button" onClick={() => move(i, 1)} aria-label="Move down">
              ↓
            </button>
            <button type="button" onClick={() => setLines((ls) => ls.filter((_, k) => k !== i))} aria-label="Remove line">
              ✕
            </button>
            {result?.timings[i] && (
              <button
                type="button"
                onClick={() => playFrom(result.timings[i]!.startMs)}
                disabled={stale}
                title={stale ? "The script changed since this render: render again to play from here" : undefined}
              >
                ▶ from here
              </button>
            )}
          </li>
        ))}
      </ol>
      <div className="row">
        <button
          type="button"
          onClick={() => setLines((ls) => [...ls, ...keyed([{ speaker: ls.at(-1)?.speaker === "S1" ? "S2" : "S1", text: "" }])])}
        >
          Add line
        </button>
        <ScriptIo lines={lines} onImport={(ls) => setLines(keyed(ls))} onError={onError} />
      </div>
      <div className="cast">
        {used.map((s) => (
          <label key={s}>
            {s} voice
            <select value={voiceFor(s)} onChange={(e) => setCast((c) => ({ ...c, [s]: e.target.value }))} aria-label={`Voice for ${s}`}>
              {voices.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => void render()}
          disabled={job?.status === "running" || job?.status === "queued"}
          data-testid="render"
        >
          Render
        </button>
        {job && (job.status === "running" || job.status === "queued") && (
          <button type="button" onClick={() => void api.cancel(job.id).then(setJob)}>
            Cancel
          </button>
        )}
        {job && <progress value={job.progress} max={1} data-testid="render-progress" />}
        {job && <span data-testid="render-status">{job.status}</span>}
      </div>
      {renderError && (
        <p className="field-error" role="alert" data-testid="render-error">
          {renderError}
        </p>
      )}
      {result && (
        <div className="result">
          <Waveform
            samples={result.samples}
            sampleRate={24000}
            markers={result.timings.map((t) => ({ ms: t.startMs, label: t.speaker }))}
          />
          {/* biome-ignore lint/a11y/useMediaCaption: the dialogue's text is shown line by line above */}
          <audio ref={audio} controls src={result.url} data-testid="dialogue-audio" />
          <a href={result.url} download="dialogue.wav" data-testid="export-wav">
            Export WAV
          </a>
        </div>
      )}
    </div>
  );
}
