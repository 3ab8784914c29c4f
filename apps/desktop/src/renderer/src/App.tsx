import { useCallback, useEffect, useRef, useState } from "react";
import type { Settings } from "../../shared/settings";
import { startMicrophone } from "./audio/microphone";
import { Player } from "./audio/player";
import { ConversationList } from "./components/ConversationList";
import { ConversationView } from "./components/ConversationView";
import { Dashboard } from "./components/Dashboard";
import { LevelMeter } from "./components/LevelMeter";
import { SettingsPanel } from "./components/SettingsPanel";
import { Studio } from "./components/Studio";
import { VoiceSession } from "./session/voice-session";
import { bridge } from "./settings/bridge";
import { useApp } from "./store/app-store";
import { PodConnection } from "./transport/pod-connection";

const CONNECTION_LABEL = {
  disconnected: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  loading: "Pod loading models…",
};

export function App() {
  const connection = useApp((s) => s.connection);
  const loadingProgress = useApp((s) => (s.health?.loading ? s.health.progress : undefined));
  const notice = useApp((s) => s.notice);
  const micError = useApp((s) => s.micError);
  const levels = useApp((s) => s.levels);
  const settings = useApp((s) => s.settings);
  const session = useRef<VoiceSession | null>(null);
  const [token, setToken] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [tab, setTab] = useState<"talk" | "studio">("talk");

  useEffect(() => {
    void Promise.all([bridge.getSettings(), bridge.getToken()]).then(([s, t]) => {
      useApp.getState().set({ settings: s });
      setToken(t);
      setLoaded(true);
    });
  }, []);

  const start = useCallback(async () => {
    await session.current?.stop();
    session.current = new VoiceSession(useApp.getState().settings, {
      createTransport: (o) => new PodConnection(o),
      createPlayer: (lead, onStats, onFinished, sink) => Player.create(lead, onStats, onFinished, sink),
      startMicrophone,
    });
    await session.current.start(token);
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
      useApp.getState().set({ notice: `Setting not saved: ${(err as Error).message}` });
    }
  }, []);

  // Push-to-talk: hold Space anywhere except in a text field.
  useEffect(() => {
    const isTyping = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    const down = (e: KeyboardEvent) => {
      if (e.code === "Space" && !e.repeat && !isTyping(e)) {
        e.preventDefault();
        session.current?.pushToTalk(true);
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === "Space" && !isTyping(e)) session.current?.pushToTalk(false);
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, []);

  const active = connection !== "disconnected";
  return (
    <div className="app">
      <header>
        <h1>Fireside</h1>
        <span className={`conn conn-${connection}`} data-testid="connection">
          {CONNECTION_LABEL[connection]}
          {connection === "loading" && loadingProgress ? ` ${loadingProgress}` : ""}
        </span>
        <LevelMeter level={levels.input} label="mic" />
        <LevelMeter level={levels.output} label="voice" />
        <nav className="tabs">
          <button type="button" aria-pressed={tab === "talk"} onClick={() => setTab("talk")}>
            Talk
          </button>
          <button type="button" aria-pressed={tab === "studio"} onClick={() => setTab("studio")}>
            Studio
          </button>
        </nav>
        <span className="spacer" />
        {active ? (
          <button type="button" onClick={() => void stop()}>
            Hang up
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void start()} disabled={!loaded} data-testid="start">
            Start talking
          </button>
        )}
        <button type="button" onClick={() => setShowHistory((v) => !v)} aria-expanded={showHistory}>
          History
        </button>
        <button type="button" onClick={() => setShowSettings((v) => !v)} aria-expanded={showSettings}>
          Settings
        </button>
      </header>
      {(notice || micError) && (
        <p className="notice" role="status" data-testid="notice">
          {micError ?? notice}
        </p>
      )}
      <main>
        {tab === "studio" ? (
          loaded && <Studio token={token} />
        ) : (
          <ConversationView onInterrupt={() => session.current?.interrupt()} onSend={(t) => session.current?.sendText(t)} />
        )}
        <aside>
          {showHistory && loaded && (
            <ConversationList
              token={token}
              onContinue={(id) => {
                // With a session running it continues now; otherwise the next "Start talking" does.
                if (session.current) session.current.continueConversation(id);
                else useApp.getState().set({ conversationId: id });
              }}
            />
          )}
          {showSettings && (
            <SettingsPanel
              onSave={(p) => void save(p)}
              token={token}
              onToken={(t) => {
                setToken(t);
                void bridge.setToken(t).then(({ persisted }) => {
                  if (!persisted) useApp.getState().set({ notice: "Token kept for this session only (no secure storage available)." });
                });
              }}
            />
          )}
          <Dashboard />
          <p className="hint">
            {settings.mode === "push-to-talk" ? "Hold Space to talk." : "Just talk; speak over a reply to interrupt it."}
          </p>
        </aside>
      </main>
    </div>
  );
}
