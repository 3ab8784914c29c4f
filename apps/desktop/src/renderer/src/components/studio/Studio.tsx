/** The voice studio: voice profiles from a reference clip, and multi-speaker dialogues rendered on the pod. */
import { useEffect, useMemo } from "react";
import { useApp } from "../../store/app-store";
import { StudioApi } from "../../studio/studio-api";
import { useStudio } from "../../studio/studio-store";
import { DialogueEditor } from "./DialogueEditor";
import { NewVoiceForm } from "./NewVoiceForm";
import { VoiceList } from "./VoiceList";

export function Studio({ token }: { token: string }) {
  const podUrl = useApp((s) => s.settings.podUrl);
  const api = useMemo(() => new StudioApi(podUrl, token), [podUrl, token]);
  const error = useStudio((s) => s.error);
  const cloning = useStudio((s) => s.cloning);
  useEffect(() => void useStudio.getState().load(api), [api]);
  return (
    <section className="studio" aria-label="Voice studio">
      {error && (
        <p className="notice" role="alert" data-testid="studio-error">
          {error}
        </p>
      )}
      <div className="panel">
        <h2>Voices</h2>
        <VoiceList api={api} />
        {cloning.available ? (
          <NewVoiceForm api={api} />
        ) : (
          <div className="cloning-card" data-testid="no-cloning">
            <h3>Cloning needs a FireRedTTS2 pod</h3>
            <p>
              This pod's voice engine{cloning.engine ? ` (${cloning.engine})` : ""} speaks its preset voices only. Cloning a voice from a
              short clip and its transcript, and checking a clone's quality, need a pod running FireRedTTS2: one CUDA GPU with 24 GB or more
              on a host whose driver supports CUDA 13.
            </p>
            <p>
              To get one, deploy the pod image on RunPod as <code>runpod/README.md</code> says, step by step (its first boot downloads
              FireRedTTS2, about 9 GB), then put its address and token in Settings. Dialogues below work on this pod with its preset voices.
            </p>
          </div>
        )}
      </div>
      <DialogueEditor api={api} />
    </section>
  );
}
