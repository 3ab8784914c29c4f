/** The app's shell: the Talk and Studio tabs, settings and history panels, keys and shortcuts, and the voice session's start and stop. */
import { useCallback, useEffect, useRef, useState } from "react";
import { explainSettingsError, type Settings } from "../../shared/settings";
import { startMicrophone } from "./audio/microphone";
import { Player } from "./audio/player";
import { WasmOpusEncoder } from "./audio/wasm-opus";
import { opusDecodeSupported } from "./audio/webcodecs-opus";
import { ConversationList } from "./components/ConversationList";
import { ConversationView } from "./components/ConversationView";
import { Dashboard } from "./components/Dashboard";
import { SettingsPanel } from "./components/SettingsPanel";
import { Studio } from "./components/studio/Studio";
import { TalkStage } from "./components/TalkStage";
import { VoiceSession } from "./session/voice-session";
import { bridge } from "./settings/bridge";
import { useApp } from "./store/app-store";
import { CodecChoice } from "./transport/audio-codecs";
import { PodConnection } from "./transport/pod-connection";
import type { ConnectionStatus } from "./transport/pod-transport";

/** The microphone's Opus bitrate: speech at 16 kHz, well inside the 32 kbit/s uplink budget. */
const MIC_OPUS_BITRATE = 24_000;

const CONNECTION_LABEL: Record<ConnectionStatus, string> = {
  disconnected: "Not connected",
  refused: "Token refused",
  "wrong-address": "Wrong address",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  unreachable: "Pod unreachable",
  loading: "Pod loading models…",
};

type Panel = "history" | "settings" | "details" | null;

/** Keys typed into a field, or that a focused control answers itself (Space and Enter on a button), are not shortcuts. */
function ownedByFocus(e: KeyboardEvent): boolean {
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return e.code === "Space" && t instanceof HTMLElement && t.closest("button, a, summary, [role=button], audio, video") !== null;
}

export function App() {
  const connection = useApp((s) => s.connection);
  const loadingProgress = useApp((s) => (s.health?.loading ? s.health.progress : undefined));
  const notice = useApp((s) => s.notice);
  const degraded = useApp((s) => (s.connection === "connected" ? s.health?.degraded : undefined));
  const micError = useApp((s) => s.micError);
  const settings = useApp((s) => s.settings);
  const session = useRef<VoiceSession | null>(null);
  const [token, setToken] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [panel, setPanel] = useState<Panel>(null);
  const [showTranscript, setShowTranscript] = useState(false);
  const [tab, setTab] = useState<"talk" | "studio">("talk");
  const toggle = (p: Panel) => setPanel((open) => (open === p ? null : p));
  // Details are the Talk screen's: the Studio shows no drawer for them (they come back on Talk).
  const shown: Panel = tab === "studio" && panel === "details" ? null : panel;

  useEffect(() => {
    void Promise.all([bridge.getSettings(), bridge.getToken()]).then(([s, t]) => {
      useApp.getState().set({ settings: s, tokenSet: t !== "" });
      setToken(t);
      setLoaded(true);
    });
  }, []);

  const start = useCallback(async () => {
    await session.current?.stop();
    session.current = new VoiceSession(useApp.getState().settings, {
      // The microphone goes as Opus at 24 kbit/s (libopus in WebAssembly) where the pod takes it;
      // an encoder that cannot load leaves it PCM (docs/desktop.md, "Codecs").
      createTransport: (o) =>
        new PodConnection(o, new CodecChoice(opusDecodeSupported(), () => WasmOpusEncoder.create(16000, MIC_OPUS_BITRATE))),
      createPlayer: (lead, onStats, onFinished, sink) => Player.create(lead, onStats, onFinished, sink),
      startMicrophone,
    });
    await session.current.start(token, useApp.getState().conversationId);
  }, [token]);

  const stop = useCallback(async () => {
    await session.current?.stop();
    session.current = null;
  }, []);

  const save = useCallback(async (patch: Partial<Settings>) => {
    try {
      const next = await bridge.setSettings(patch);
      useApp.getState().set({ settings: next });
      session.current?.updateSettings(next);
    } catch (err) {
      useApp.getState().set({ notice: `Setting not saved: ${explainSettingsError(err)}` });
    }
  }, []);

  // The tray and the global shortcut (desktop app only) act through the session; the tray shows its state.
  useEffect(() => {
    bridge.onCommand?.((command) => {
      if (command === "toggle-mute") session.current?.setMuted(!useApp.getState().muted);
      else session.current?.toggleTalk();
    });
  }, []);
  const muted = useApp((s) => s.muted);
  const shortcut = settings.pushToTalkShortcut;
  useEffect(() => {
    void bridge.reportState?.({ muted }).then(({ shortcutProblem }) => {
      if (shortcutProblem && shortcut) useApp.getState().set({ notice: `Global talk shortcut not set: ${shortcutProblem}.` });
    });
  }, [muted, shortcut]);

  // Shortcuts anywhere but in a text field or on a focused button: hold Space to talk (push-to-talk
  // mode only), M mutes, Esc interrupts.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (ownedByFocus(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.code === "Space" && useApp.getState().settings.mode === "push-to-talk") {
        e.preventDefault();
        if (!e.repeat) session.current?.pushToTalk(true);
      } else if (e.code === "KeyM" && !e.repeat) {
        session.current?.setMuted(!useApp.getState().muted);
      } else if (e.code === "Escape") {
        session.current?.interrupt();
      }
    };
    // Released anywhere (focus may have moved while it was held).
    const up = (e: KeyboardEvent) => {
      if (e.code === "Space") session.current?.pushToTalk(false);
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, []);

  const onSend = (t: string) => {
    if (session.current) return session.current.sendText(t);
    useApp.getState().set({ notice: "Press Start talking first: the message was not sent. It is still in the box." });
    return false;
  };
  return (
    <div className="app">
      <header>
        <h1>Fireside</h1>
        <nav className="tabs" aria-label="Screens">
          <button type="button" aria-pressed={tab === "talk"} onClick={() => setTab("talk")}>
            Talk
          </button>
          <button type="button" aria-pressed={tab === "studio"} onClick={() => setTab("studio")}>
            Studio
          </button>
        </nav>
        <span className="spacer" />
        <span className={`conn conn-${connection}`} data-testid="connection">
          {CONNECTION_LABEL[connection]}
          {connection === "loading" && loadingProgress ? ` ${loadingProgress}` : ""}
        </span>
        {degraded && (
          // The Details panel says which stage and why; the header only says that it is so.
          <span className="conn conn-degraded" data-testid="degraded" title={degraded.join("; ")}>
            Degraded
          </span>
        )}
        {tab === "talk" && (
          <button type="button" className="toggle-transcript" onClick={() => setShowTranscript((v) => !v)} aria-expanded={showTranscript}>
            Transcript
          </button>
        )}
        <button type="button" onClick={() => toggle("history")} aria-expanded={shown === "history"}>
          History
        </button>
        {tab === "talk" && (
          <button type="button" onClick={() => toggle("details")} aria-expanded={shown === "details"}>
            Details
          </button>
        )}
        <button type="button" onClick={() => toggle("settings")} aria-expanded={shown === "settings"}>
          Settings
        </button>
      </header>
      {(notice || micError) && (
        <p className="notice" role="status" data-testid="notice">
          <span>{micError ?? notice}</span>
          <button type="button" className="notice-close" onClick={() => useApp.getState().set({ notice: null, micError: null })}>
            Dismiss
          </button>
        </p>
      )}
      <main className={`tab-${tab} ${showTranscript ? "with-transcript" : ""}`}>
        {/* Both screens stay mounted, so a dialogue, its casting and its render survive switching tabs. */}
        <div className="screen" hidden={tab !== "studio"}>
          {loaded && <Studio token={token} />}
        </div>
        <div className="screen talk" hidden={tab !== "talk"}>
          <TalkStage
            canStart={loaded}
            onStart={() => void start()}
            onHangUp={() => void stop()}
            onInterrupt={() => session.current?.interrupt()}
            onMute={(m) => session.current?.setMuted(m)}
            onHoldToTalk={(down) => session.current?.pushToTalk(down)}
            onOpenSettings={() => setPanel("settings")}
          />
          <ConversationView onSend={onSend} />
        </div>
        {shown && (
          <aside className="drawer" aria-label={shown === "history" ? "History" : shown === "details" ? "Details" : "Settings"}>
            {shown === "history" && loaded && (
              <ConversationList
                token={token}
                onContinue={(id) => {
                  // With a session running it continues now; otherwise the next "Start talking" does.
                  if (session.current) session.current.continueConversation(id);
                  else useApp.getState().set({ conversationId: id });
                }}
              />
            )}
            {shown === "settings" && (
              <SettingsPanel
                onSave={(p) => void save(p)}
                token={token}
                onToken={(t) => {
                  setToken(t);
                  useApp.getState().set({ tokenSet: t !== "" });
                  void bridge.setToken(t).then(({ persisted }) => {
                    if (!persisted) useApp.getState().set({ notice: "Token kept for this session only (no secure storage available)." });
                  });
                }}
              />
            )}
            {shown === "details" && (
              <>
                <Dashboard />
                <p className="hint">
                  {settings.mode === "push-to-talk" ? "Hold Space to talk." : "Just talk; speak over a reply to interrupt it."} M mutes, Esc
                  interrupts.
                </p>
              </>
            )}
          </aside>
        )}
      </main>
    </div>
  );
}
