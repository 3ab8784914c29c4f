/**
 * What the empty Talk screen says: which pod and voice, what to do, and where the connection is —
 * so a first open is never a blank page.
 */
import { useApp } from "../store/app-store";

export function FirstRun({ onStart, onOpenSettings }: { onStart: () => void; onOpenSettings: () => void }) {
  const connection = useApp((s) => s.connection);
  const settings = useApp((s) => s.settings);
  const progress = useApp((s) => (s.health?.loading ? s.health.progress : undefined));
  const pod = settings.podUrl.replace(/^wss?:\/\//, "").replace(/\/v1\/realtime$/, "");
  const ptt = settings.mode === "push-to-talk";
  const muted = useApp((s) => s.muted);
  const tokenSet = useApp((s) => s.tokenSet);
  return (
    <div className="first-run" data-testid="first-run">
      {connection === "disconnected" && (
        <>
          <h2>Talk to Fireside</h2>
          <ol>
            <li>
              Pod: <code>{pod}</code> — change it in Settings.
            </li>
            <li>Voice: {settings.voice || "the pod's default"}.</li>
            <li>
              Press <strong>Start talking</strong>, then {ptt ? "hold Space while you speak" : "just talk"}. Speak over a reply (or press
              Esc) to stop it.
            </li>
          </ol>
          <button type="button" className="primary" onClick={onStart}>
            Start talking
          </button>
        </>
      )}
      {connection === "refused" && (
        <>
          {tokenSet ? (
            <>
              <h2>The pod at {pod} refused the token</h2>
              <p>
                It was started with a different <code>FIRESIDE_TOKEN</code>. Put that token in Settings, then start again; the app does not
                retry a refused token on its own.
              </p>
            </>
          ) : (
            <>
              <h2>The pod at {pod} needs a token</h2>
              <p>
                It was started with a <code>FIRESIDE_TOKEN</code> and the app has none. Put that token in Settings, then start again.
              </p>
            </>
          )}
          <div className="first-run-actions">
            <button type="button" className="primary" onClick={onOpenSettings}>
              Open Settings
            </button>
            <button type="button" onClick={onStart}>
              Try again
            </button>
          </div>
        </>
      )}
      {connection === "connecting" && <h2>Connecting to {pod}…</h2>}
      {connection === "loading" && (
        <>
          <h2>The pod is loading its models</h2>
          <p>{progress ?? "This can take a minute on first start."}</p>
        </>
      )}
      {connection === "reconnecting" && (
        <>
          <h2>Lost the pod; reconnecting…</h2>
          <p>What you say now is not heard. Nothing of the conversation is lost.</p>
        </>
      )}
      {connection === "unreachable" && (
        <>
          <h2>Cannot reach the pod at {pod}</h2>
          <p>Check that it is running and that its address in Settings is right; the app keeps trying.</p>
        </>
      )}
      {connection === "connected" && (
        <>
          <h2>{muted ? "Your microphone is muted" : ptt ? "Hold Space and ask something" : "I'm listening"}</h2>
          <p>{muted ? "Press M or Unmute to talk — or type below." : "Try “What can you do?” — or type below."}</p>
        </>
      )}
    </div>
  );
}
