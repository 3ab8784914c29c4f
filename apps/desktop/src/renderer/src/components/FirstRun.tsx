/**
 * What the empty Talk screen says under the controls: which pod and voice, and what to do — so a
 * first open is never a blank page. Connection problems are the connection card's, not this.
 */
import { useApp } from "../store/app-store";
import { podHost } from "../transport/pod-transport";

export function FirstRun() {
  const connection = useApp((s) => s.connection);
  const settings = useApp((s) => s.settings);
  const muted = useApp((s) => s.muted);
  const ptt = settings.mode === "push-to-talk";
  if (connection === "disconnected") {
    return (
      <div className="first-run" data-testid="first-run">
        <p>
          Pod <code>{podHost(settings.podUrl)}</code> · voice {settings.voice || "the pod's default"} — both in Settings.
        </p>
        <p>
          Press <strong>Start talking</strong>, then {ptt ? "hold Space while you speak" : "just talk"}. Speak over a reply, or press Esc,
          to stop it.
        </p>
      </div>
    );
  }
  if (connection !== "connected") return null;
  return (
    <div className="first-run" data-testid="first-run">
      <p>
        {muted
          ? "Your microphone is muted: press M or Unmute to talk, or type in the transcript."
          : ptt
            ? "Hold Space and ask something — try “What can you do?”"
            : "I'm listening — try “What can you do?”, or type in the transcript."}
      </p>
    </div>
  );
}
