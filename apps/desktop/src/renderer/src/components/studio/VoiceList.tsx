/** The pod's voices, one row each: play a sample, use it for the assistant, check a clone's quality, delete a clone. */
import { useState } from "react";
import { bridge } from "../../settings/bridge";
import { useApp } from "../../store/app-store";
import type { StudioApi, Voice, VoiceQuality } from "../../studio/studio-api";
import { useStudio } from "../../studio/studio-store";

export function VoiceList({ api }: { api: StudioApi }) {
  const { voices, defaultVoice, busy, rowError, run, failed } = useStudio();
  // The voice conversations speak: the one chosen in Settings, else the pod's default.
  const chosenVoice = useApp((s) => s.settings.voice);
  const assistantVoice = chosenVoice || defaultVoice;
  // Delete asks once more: the first click arms it, the second (on the same voice) deletes.
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  const reload = (ok: boolean) => ok && void useStudio.getState().load(api);

  const preview = async (v: Voice) => {
    setPlaying(v.id);
    useStudio.setState({ rowError: null });
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

  return (
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
              useStudio.setState({ rowError: null });
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
                  reload,
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
                void run(`Deleting ${v.name}…`, () => api.deleteVoice(v.id), { voice: v, verb: "delete" }).then(reload);
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
