/**
 * Where the connection stands when it is not simply connected or stopped: one card, one message per
 * problem, with the fix the app can make offered as a button (open Settings where the token goes,
 * use the corrected address, try again). The pod's loading progress shows here, in one place.
 */
import { REALTIME_PATH } from "@fireside/protocol";
import { bridge } from "../settings/bridge";
import { useApp } from "../store/app-store";
import { podHost } from "../transport/pod-transport";

/** The realtime URL at the same host (the path a pod answers at). */
export function realtimeUrlOf(podUrl: string): string {
  const u = new URL(podUrl);
  return `${u.protocol}//${u.host}${REALTIME_PATH}`;
}

export function ConnectionCard({ onStart, onOpenSettings }: { onStart: () => void; onOpenSettings: () => void }) {
  const connection = useApp((s) => s.connection);
  const detail = useApp((s) => s.connectionNotice);
  const podUrl = useApp((s) => s.settings.podUrl);
  const progress = useApp((s) => (s.health?.loading ? s.health.progress : undefined));
  const stage = useApp((s) => (s.health?.loading ? s.health.stage : undefined));
  const pod = podHost(podUrl);
  const card = (title: string, body: React.ReactNode, actions?: React.ReactNode) => (
    <div className={`connection-card card-${connection}`} data-testid="connection-card" role="alert">
      <h2>{title}</h2>
      {body}
      {actions && <div className="card-actions">{actions}</div>}
    </div>
  );
  const settingsButton = (
    <button type="button" className="primary" onClick={onOpenSettings}>
      Open Settings
    </button>
  );
  switch (connection) {
    case "refused":
      return card(
        /needs a token/.test(detail ?? "") ? `The pod at ${pod} needs a token` : `The pod at ${pod} refused the token`,
        <p>
          {/needs a token/.test(detail ?? "")
            ? "It was started with a FIRESIDE_TOKEN and the app has none. Put that token in Settings, then start again."
            : "It was started with a different FIRESIDE_TOKEN. Put that token in Settings, then start again; the app does not retry a refused token on its own."}
        </p>,
        <>
          {settingsButton}
          <button type="button" onClick={onStart}>
            Try again
          </button>
        </>,
      );
    case "wrong-address": {
      const fixed = realtimeUrlOf(podUrl);
      return card(
        `The pod at ${pod} answers at another address`,
        <p>{detail}</p>,
        <>
          <button
            type="button"
            className="primary"
            onClick={() =>
              void bridge.setSettings({ podUrl: fixed }).then((settings) => {
                useApp.getState().set({ settings });
                onStart();
              })
            }
          >
            Use {fixed}
          </button>
          <button type="button" onClick={onOpenSettings}>
            Open Settings
          </button>
        </>,
      );
    }
    case "unreachable":
      return card(
        `Cannot reach the pod at ${pod}`,
        <p>
          {detail?.startsWith("Nothing answers")
            ? "Nothing answers there: is the pod running? "
            : "Is the pod running, and is its address right? "}
          {/* the host is in the title already (and has dots of its own): only the retry's timing follows */}
          {detail?.replace(/^Nothing answers at \S+\.\s*/, "")} The app keeps trying.
        </p>,
        settingsButton,
      );
    case "reconnecting":
      return card("Lost the pod; reconnecting…", <p>What you say now is not heard. Nothing of the conversation is lost. {detail}</p>);
    case "loading":
      return card(
        "The pod is loading its models",
        <>
          <p data-testid="loading-progress">
            {stage ? `Now: ${stage}${progress ? `, downloading ${progress}` : ""}. ` : progress ? `Downloading ${progress}. ` : ""}
            The app connects as soon as they are ready (a minute or so; a first start downloads them).
          </p>
          {progress && <progress value={Number(/(\d+)%/.exec(progress)?.[1] ?? 0)} max={100} aria-label="Model download" />}
        </>,
      );
    case "connecting":
      return card(`Connecting to ${pod}…`, null);
    default:
      return null;
  }
}
