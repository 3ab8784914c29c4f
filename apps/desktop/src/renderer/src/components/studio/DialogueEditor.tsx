/**
 * The dialogue editor: lines (several lines of text each) and their named speakers, a voice for
 * each speaker, the render on the pod with its progress line by line, playback from any line, a new
 * take of one line, export.
 */
import { writeWav } from "@fireside/audio";
import { type DialogueLine, SPEAKERS, type Speaker } from "@fireside/protocol";
import { useEffect, useRef, useState } from "react";
import { type RenderedDialogue, spliceLine } from "../../studio/line-splice";
import type { Job, StudioApi } from "../../studio/studio-api";
import { useStudio } from "../../studio/studio-store";
import { nameVoices } from "../../studio/voice-names";
import { DialogueResult } from "./DialogueResult";
import { ScriptIo } from "./ScriptIo";

const RATE = 24_000;
const DEFAULT_NAMES: Record<Speaker, string> = { S1: "Host", S2: "Guest", S3: "Speaker 3", S4: "Speaker 4" };

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
  const [names, setNames] = useState<Record<Speaker, string>>(DEFAULT_NAMES);
  const [job, setJob] = useState<Job | null>(null);
  const [result, setResult] = useState<(RenderedDialogue & { url: string; script: string }) | null>(null);
  /** The line being rendered again on its own (its index), if any. */
  const [retaking, setRetaking] = useState<number | null>(null);
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

  /** Renders these lines on the pod, following its progress; null when it did not finish (the reason is shown). */
  const renderOnPod = async (these: DialogueLine[], report: (j: Job) => void): Promise<(RenderedDialogue & { wav: Blob }) | null> => {
    const submitted = await api.render(
      these.map(({ speaker, text }) => ({ speaker, text })),
      Object.fromEntries([...new Set(these.map((l) => l.speaker))].map((s) => [s, voiceFor(s)])),
    );
    report(submitted);
    const j = await api.follow(submitted.id, report);
    if (j.status !== "done") {
      if (j.status === "failed") setRenderError(`Rendering failed: ${nameVoices(j.error ?? "", voices)}`);
      return null;
    }
    const [blob, timings] = await Promise.all([api.audio(j.id), api.timings(j.id)]);
    const decoded = await new OfflineAudioContext(1, 1, RATE).decodeAudioData(await blob.arrayBuffer());
    return { samples: decoded.getChannelData(0), timings, wav: blob };
  };

  const render = async () => {
    onError(null);
    setRenderError(null);
    setResult(null);
    try {
      const script = scriptOf(lines);
      const done = await renderOnPod(lines, setJob);
      // The pod's own WAV plays and exports as it came; only a spliced take is encoded here.
      if (done) setResult({ samples: done.samples, timings: done.timings, url: URL.createObjectURL(done.wav), script });
    } catch (e) {
      setRenderError(`Could not render: ${nameVoices((e as Error).message, voices)}`);
    }
  };

  /** A new take of one line, spliced into the render in place of the old one. */
  const retake = async (i: number) => {
    if (!result) return;
    setRenderError(null);
    setRetaking(i);
    try {
      const take = await renderOnPod([lines[i]!], () => {});
      if (take) {
        const spliced = spliceLine(result, i, take, RATE);
        setResult({ ...spliced, url: wavUrl(spliced.samples), script: result.script });
      }
    } catch (e) {
      setRenderError(`Could not render line ${i + 1} again: ${nameVoices((e as Error).message, voices)}`);
    } finally {
      setRetaking(null);
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
                <option key={s} value={s}>
                  {names[s]}
                </option>
              ))}
            </select>
            <textarea value={l.text} rows={2} onChange={(e) => update(i, { text: e.target.value })} aria-label={`Line ${i + 1}`} />
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
              <>
                <button
                  type="button"
                  onClick={() => playFrom(result.timings[i]!.startMs)}
                  disabled={stale}
                  title={stale ? "The script changed since this render: render again to play from here" : undefined}
                >
                  ▶ from here
                </button>
                <button
                  type="button"
                  onClick={() => void retake(i)}
                  disabled={stale || retaking !== null}
                  aria-label={`Render line ${i + 1} again`}
                  title={stale ? "The script changed since this render: render it all again" : "A new take of this line only"}
                >
                  {retaking === i ? "Rendering…" : "New take"}
                </button>
              </>
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
          <fieldset key={s}>
            <legend>{s}</legend>
            <label>
              Name
              <input value={names[s]} onChange={(e) => setNames((n) => ({ ...n, [s]: e.target.value }))} aria-label={`Name of ${s}`} />
            </label>
            <label>
              Voice
              <select
                value={voiceFor(s)}
                onChange={(e) => setCast((c) => ({ ...c, [s]: e.target.value }))}
                aria-label={`Voice for ${s} (${names[s]})`}
              >
                {voices.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
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
        {job && <progress value={job.progress} max={1} data-testid="render-progress" aria-label="Render progress" />}
        {job && (job.status === "running" || job.status === "queued") && (
          <span data-testid="render-line">
            {job.status === "queued"
              ? "waiting for the pod…"
              : `line ${Math.min(job.lines, Math.floor(job.progress * job.lines) + 1)} of ${job.lines}`}
          </span>
        )}
        {job && <span data-testid="render-status">{job.status}</span>}
      </div>
      {renderError && (
        <p className="field-error" role="alert" data-testid="render-error">
          {renderError}
        </p>
      )}
      {result && <DialogueResult url={result.url} samples={result.samples} timings={result.timings} names={names} audio={audio} />}
    </div>
  );
}

/** A spliced take's samples as a WAV for the player and the export (the pod's file no longer matches them). */
function wavUrl(samples: Float32Array): string {
  return URL.createObjectURL(new Blob([writeWav(samples, RATE) as BlobPart], { type: "audio/wav" }));
}
