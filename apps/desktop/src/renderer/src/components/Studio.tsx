/** The voice studio: voice profiles from a reference clip, and multi-speaker dialogues rendered on the pod. */
import { type DialogueLine, formatDialogueScript, parseDialogueScript, SPEAKERS, type Speaker, type VoiceList } from "@fireside/protocol";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { saveTextFile } from "../files/save-text-file";
import { bridge } from "../settings/bridge";
import { useApp } from "../store/app-store";
import { checkClip } from "../studio/clip-check";
import { type Job, type LineTiming, StudioApi, type Voice, type VoiceQuality } from "../studio/studio-api";
import { nameVoices } from "../studio/voice-names";
import { ClipRecorderPanel } from "./ClipRecorderPanel";
import { Waveform } from "./Waveform";

export function Studio({ token }: { token: string }) {
  const podUrl = useApp((s) => s.settings.podUrl);
  const api = useMemo(() => new StudioApi(podUrl, token), [podUrl, token]);
  const [voices, setVoices] = useState<Voice[]>([]);
  const [cloning, setCloning] = useState<VoiceList["cloning"]>({ available: true, engine: null });
  const [defaultVoice, setDefaultVoice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    api
      .voices()
      .then((r) => {
        setCloning(r.cloning ?? { available: true, engine: null });
        setDefaultVoice(r.defaultVoice ?? null);
        // A cloned voice this pod cannot speak is not offered anywhere.
        setVoices(r.cloning?.available === false ? r.voices.filter((v) => v.preset) : r.voices);
      })
      .catch((e: Error) => setError(e.message));
  }, [api]);
  useEffect(refresh, [refresh]);
  return (
    <section className="studio" aria-label="Voice studio">
      {error && (
        <p className="notice" role="alert" data-testid="studio-error">
          {error}
        </p>
      )}
      <VoiceProfiles api={api} voices={voices} cloning={cloning} defaultVoice={defaultVoice} onChange={refresh} onError={setError} />
      <DialogueEditor api={api} voices={voices} onError={setError} />
    </section>
  );
}

function VoiceProfiles({
  api,
  voices,
  cloning,
  defaultVoice,
  onChange,
  onError,
}: {
  api: StudioApi;
  voices: Voice[];
  cloning: VoiceList["cloning"];
  defaultVoice: string | null;
  onChange: () => void;
  onError: (e: string | null) => void;
}) {
  const [clip, setClip] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [transcript, setTranscript] = useState("");
  // What the pod is doing for us right now, shown while the buttons wait (checks take seconds).
  const [busy, setBusy] = useState<string | null>(null);
  // Changing the key remounts the file input, clearing the chosen file after a save.
  const [inputKey, setInputKey] = useState(0);
  const language = useApp((s) => s.settings.language);
  const inputDevice = useApp((s) => s.settings.inputDeviceId);
  // The voice conversations speak: the one chosen in Settings, else the pod's default.
  const chosenVoice = useApp((s) => s.settings.voice);
  const assistantVoice = chosenVoice || defaultVoice;
  // Delete asks once more: the first click arms it, the second (on the same voice) deletes.
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  // A voice's failed action is reported in its own row, naming it; the next action clears it.
  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const failed = (v: Voice, doing: string, e: unknown) =>
    setRowError({ id: v.id, text: `Could not ${doing} ${v.name}: ${nameVoices((e as Error).message, voices)}` });
  const preview = async (v: Voice) => {
    setPlaying(v.id);
    setRowError(null);
    try {
      const url = URL.createObjectURL(await api.preview(v));
      const audio = new Audio(url);
      // The object URL is released when the sample ends (or fails).
      const done = () => {
        URL.revokeObjectURL(url);
        setPlaying(null);
      };
      audio.onended = done;
      audio.onerror = done;
      await audio.play();
    } catch (e) {
      setPlaying(null);
      failed(v, "play", e);
    }
  };
  const clipUrl = useMemo(() => (clip ? URL.createObjectURL(clip) : null), [clip]);
  useEffect(() => (clipUrl ? () => URL.revokeObjectURL(clipUrl) : undefined), [clipUrl]);
  // The chosen clip, checked in the app before any upload; a new clip clears the last one's errors.
  const [clipProblem, setClipProblem] = useState<string | null>(null);
  const choose = (file: File | null) => {
    setClip(file);
    setClipProblem(null);
    onError(null);
    if (file) void checkClip(file).then(setClipProblem);
  };
  /** Runs a pod request, saying what it is doing; a failure goes to the voice's row (`on`) or the studio. */
  const run = async (doing: string, fn: () => Promise<unknown>, on?: { voice: Voice; verb: string }) => {
    setBusy(doing);
    onError(null);
    setRowError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      if (on) failed(on.voice, on.verb, e);
      else onError(nameVoices((e as Error).message, voices));
      return false;
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="panel">
      <h2>Voices</h2>
      <ul className="voices" data-testid="voice-list">
        {voices.map((v) => (
          <li key={v.id} data-testid={`voice-${v.id}`}>
            <button
              type="button"
              className="play"
              aria-label={`Play a sample of ${v.name}`}
              disabled={playing !== null}
              onClick={() => void preview(v)}
            >
              {playing === v.id ? "…" : "▶"}
            </button>
            <span className="voice-name">{v.name}</span>
            <span className="voice-tags">
              {v.preset ? (
                <span className="voice-tag">preset</span>
              ) : (
                <span className="voice-tag">{((v.durationMs ?? 0) / 1000).toFixed(1)} s clip</span>
              )}
              {v.id === assistantVoice && (
                <span className="voice-tag current" data-testid="assistant-voice">
                  {chosenVoice ? "assistant voice" : "assistant voice (pod default)"}
                </span>
              )}
            </span>
            <button
              type="button"
              hidden={v.id === assistantVoice}
              onClick={() => {
                setRowError(null);
                bridge.setSettings({ voice: v.id }).then(
                  (s) => useApp.getState().set({ settings: s }),
                  (e) => failed(v, "use", e),
                );
              }}
            >
              Use as assistant voice
            </button>
            {!v.preset && (
              <button
                type="button"
                disabled={busy !== null}
                onClick={() =>
                  void run("Checking quality: the clone reads a test sentence…", () => api.assess(v.id), { voice: v, verb: "check" }).then(
                    (ok) => ok && onChange(),
                  )
                }
              >
                Check quality
              </button>
            )}
            {v.quality && <QualityVerdict q={v.quality} />}
            {!v.preset && (
              <button
                type="button"
                className={confirmDelete === v.id ? "danger" : ""}
                onClick={() => {
                  if (confirmDelete !== v.id) return setConfirmDelete(v.id);
                  setConfirmDelete(null);
                  void run(`Deleting ${v.name}…`, () => api.deleteVoice(v.id), { voice: v, verb: "delete" }).then((ok) => ok && onChange());
                }}
                onBlur={() => setConfirmDelete((c) => (c === v.id ? null : c))}
              >
                {confirmDelete === v.id ? `Delete ${v.name}?` : "Delete"}
              </button>
            )}
            {rowError?.id === v.id && (
              <p className="field-error" role="alert" data-testid="voice-error">
                {rowError.text}
              </p>
            )}
          </li>
        ))}
      </ul>
      {cloning.available ? (
        <>
          <h3>New voice from a clip (3–30 s of one person speaking)</h3>
          <label
            className="drop"
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              choose(e.dataTransfer.files[0] ?? null);
            }}
          >
            Drop or choose a WAV, FLAC, Ogg or MP3 file
            <input
              key={inputKey}
              type="file"
              accept="audio/*"
              data-testid="clip-input"
              onChange={(e) => choose(e.target.files?.[0] ?? null)}
            />
          </label>
          {clipProblem && (
            <p className="field-error" role="alert" data-testid="clip-problem">
              {clipProblem}
            </p>
          )}
          <ClipRecorderPanel key={inputKey} deviceId={inputDevice} onClip={(f) => choose(f)} />
          {/* biome-ignore lint/a11y/useMediaCaption: a voice sample has no captions */}
          {clipUrl && <audio controls src={clipUrl} />}
          <input placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} aria-label="Voice name" />
          <textarea
            placeholder="The exact words spoken in the clip"
            value={transcript}
            onChange={(e) => setTranscript(e.target.value)}
            rows={3}
            aria-label="Transcript"
          />
          <div className="row">
            <button
              type="button"
              disabled={!clip || clipProblem !== null || busy !== null}
              onClick={() => void run("Transcribing…", async () => setTranscript((await api.suggestTranscript(clip!, language)).text))}
            >
              Suggest transcript
            </button>
            <button
              type="button"
              className="primary"
              disabled={!clip || clipProblem !== null || busy !== null}
              onClick={() =>
                void run("Checking the clip (length, level, one voice) and saving…", async () => {
                  await api.createVoice(clip!, name, language, transcript);
                  setClip(null);
                  setInputKey((k) => k + 1);
                  setName("");
                  setTranscript("");
                  onChange();
                })
              }
            >
              Save voice
            </button>
            {busy && (
              <span className="hint" role="status">
                {busy}
              </span>
            )}
          </div>
        </>
      ) : (
        <p className="hint" data-testid="no-cloning">
          This pod's voice engine{cloning.engine ? ` (${cloning.engine})` : ""} speaks its preset voices only. Cloning a voice from a clip,
          and checking a clone's quality, need a pod running FireRedTTS2 (a GPU pod).
        </p>
      )}
    </div>
  );
}

function QualityVerdict({ q }: { q: VoiceQuality }) {
  return (
    <span
      className={`verdict verdict-${q.verdict}`}
      title={`Read back as: "${q.transcript}". Similarity: ${q.similarityNote}`}
      data-testid="quality"
    >
      {q.verdict} · word error {(q.wer * 100).toFixed(0)}% · similarity {q.similarity === null ? "n/a" : q.similarity.toFixed(2)}
    </span>
  );
}

/** A line with a key that follows it when lines move, so inputs keep their own text and focus. */
type EditorLine = DialogueLine & { key: number };
let nextLineKey = 0;
const keyed = (lines: DialogueLine[]): EditorLine[] => lines.map((l) => ({ ...l, key: nextLineKey++ }));
const scriptOf = (lines: DialogueLine[]) => JSON.stringify(lines.map(({ speaker, text }) => ({ speaker, text })));

function DialogueEditor({ api, voices, onError }: { api: StudioApi; voices: Voice[]; onError: (e: string | null) => void }) {
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

/**
 * The script as text: it shows the current lines (edited or imported), and what is typed here
 * replaces them on Import.
 */
function ScriptIo({
  lines,
  onImport,
  onError,
}: {
  lines: DialogueLine[];
  onImport: (l: DialogueLine[]) => void;
  onError: (e: string | null) => void;
}) {
  const current = lines.length ? formatDialogueScript(lines) : "";
  // null: nothing typed since the last import, so the box follows the lines.
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <details className="script-io">
      <summary>Import / export script</summary>
      <textarea
        value={draft ?? current}
        onChange={(e) => setDraft(e.target.value)}
        rows={5}
        placeholder={"[S1] Hello there.\n[S2] Hi!"}
        aria-label="Script"
      />
      <button
        type="button"
        onClick={() => {
          try {
            onImport(parseDialogueScript(draft ?? current));
            setDraft(null);
            onError(null);
          } catch (e) {
            onError((e as Error).message);
          }
        }}
      >
        Import
      </button>
      <button type="button" onClick={() => saveTextFile("dialogue.txt", current, "text/plain")}>
        Export script
      </button>
    </details>
  );
}
