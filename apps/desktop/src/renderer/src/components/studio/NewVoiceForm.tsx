/** A new voice from a clip: chosen, dropped or recorded, checked in the app, its transcript typed or suggested by the pod, then saved. */
import { useEffect, useMemo, useState } from "react";
import { useApp } from "../../store/app-store";
import { checkClip } from "../../studio/clip-check";
import type { StudioApi } from "../../studio/studio-api";
import { useStudio } from "../../studio/studio-store";
import { ClipRecorderPanel } from "./ClipRecorderPanel";

export function NewVoiceForm({ api }: { api: StudioApi }) {
  const busy = useStudio((s) => s.busy);
  const run = useStudio((s) => s.run);
  const language = useApp((s) => s.settings.language);
  const inputDevice = useApp((s) => s.settings.inputDeviceId);
  const [clip, setClip] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [transcript, setTranscript] = useState("");
  // Changing the key remounts the file input, clearing the chosen file after a save.
  const [inputKey, setInputKey] = useState(0);
  // The chosen clip, checked in the app before any upload; a new clip clears the last one's errors.
  const [clipProblem, setClipProblem] = useState<string | null>(null);
  const clipUrl = useMemo(() => (clip ? URL.createObjectURL(clip) : null), [clip]);
  useEffect(() => (clipUrl ? () => URL.revokeObjectURL(clipUrl) : undefined), [clipUrl]);

  const choose = (file: File | null) => {
    setClip(file);
    setClipProblem(null);
    useStudio.getState().setError(null);
    if (file) void checkClip(file).then(setClipProblem);
  };
  const save = async () => {
    await api.createVoice(clip!, name, language, transcript);
    setClip(null);
    setInputKey((k) => k + 1);
    setName("");
    setTranscript("");
    void useStudio.getState().load(api);
  };
  const cannot = !clip || clipProblem !== null || busy !== null;

  return (
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
        <input key={inputKey} type="file" accept="audio/*" data-testid="clip-input" onChange={(e) => choose(e.target.files?.[0] ?? null)} />
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
          disabled={cannot}
          onClick={() => void run("Transcribing…", async () => setTranscript((await api.suggestTranscript(clip!, language)).text))}
        >
          Suggest transcript
        </button>
        <button
          type="button"
          className="primary"
          disabled={cannot}
          onClick={() => void run("Checking the clip (length, level, one voice) and saving…", save)}
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
  );
}
