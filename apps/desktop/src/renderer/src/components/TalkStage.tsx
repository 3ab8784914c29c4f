/**
 * The top of the Talk screen: an orb that shows who is speaking (its size follows the mic level
 * while you talk and the reply's level while Fireside talks; it breathes while Fireside thinks),
 * the state in words, and the controls with their shortcuts.
 */
import { useApp } from "../store/app-store";
import { isActive } from "../transport/pod-transport";
import { LevelMeter } from "./LevelMeter";

const MIC_LABEL: Record<string, string> = {
  off: "Mic off",
  starting: "Starting the mic…",
  listening: "Mic on",
  "hearing-speech": "● you are speaking",
  "push-to-talk": "Hold Space to talk",
  paused: "Not listening: no pod connection",
};

export type StageState = "offline" | "waiting" | "muted" | "listening" | "you" | "thinking" | "speaking";

const LABEL: Record<StageState, string> = {
  offline: "Not connected",
  waiting: "Waiting for the pod…",
  muted: "Muted",
  listening: "Listening",
  you: "Hearing you",
  thinking: "Thinking…",
  speaking: "Speaking",
};

/** What the user should see the assistant doing, from the pod's state and what is audible now. */
export function stageState(s: { connection: string; audible: boolean; muted: boolean; sessionState: string; mic: string }): StageState {
  if (s.audible) return "speaking";
  // On its way (connecting, the pod loading its models, a dropped link being restored): not "offline".
  if (s.connection === "connecting" || s.connection === "loading" || s.connection === "reconnecting") return "waiting";
  if (s.connection !== "connected") return "offline";
  if (s.sessionState === "transcribing" || s.sessionState === "thinking" || s.sessionState === "speaking") return "thinking";
  if (s.muted) return "muted";
  if (s.mic === "hearing-speech" || s.sessionState === "user_speaking") return "you";
  return "listening";
}

export function TalkStage(props: { onInterrupt: () => void; onMute: (muted: boolean) => void; onHoldToTalk: (down: boolean) => void }) {
  const state = useApp((s) => stageState(s));
  const muted = useApp((s) => s.muted);
  const talkingWhileMuted = useApp((s) => s.talkingWhileMuted);
  const levels = useApp((s) => s.levels);
  const pushToTalk = useApp((s) => s.settings.mode === "push-to-talk");
  const active = useApp((s) => isActive(s.connection));
  const level = state === "speaking" ? levels.output : state === "you" || state === "listening" ? levels.input : 0;
  // RMS of speech is ~0.02–0.2: a square root spreads it over the orb's range.
  const scale = 1 + Math.min(0.45, Math.sqrt(level) * 0.9);
  const canInterrupt = state === "speaking" || state === "thinking";
  const mic = useApp((s) => s.mic);
  return (
    <div className="stage" data-testid="stage" data-state={state}>
      <div className={`orb orb-${state}`} style={{ transform: `scale(${scale.toFixed(3)})` }} aria-hidden="true" />
      <p className="stage-label" data-testid="session-state">
        {LABEL[state]}
      </p>
      <div className="stage-meters">
        <LevelMeter level={levels.input} label="mic" />
        <LevelMeter level={levels.output} label="voice" />
      </div>
      <p className="mic-state" data-testid="mic-state">
        {muted ? "Mic muted" : MIC_LABEL[mic]}
      </p>
      {talkingWhileMuted && (
        <p className="stage-nudge" role="status" data-testid="muted-nudge">
          You're talking, but the mic is muted. Press M to unmute.
        </p>
      )}
      <div className="stage-controls">
        <button
          type="button"
          aria-pressed={muted}
          onClick={() => props.onMute(!muted)}
          disabled={!active}
          data-testid="mute"
          title="Mute the microphone (M)"
        >
          {muted ? "Unmute" : "Mute"} <kbd>M</kbd>
        </button>
        {pushToTalk && (
          <button
            type="button"
            className="hold"
            disabled={!active || muted}
            onPointerDown={() => props.onHoldToTalk(true)}
            onPointerUp={() => props.onHoldToTalk(false)}
            onPointerLeave={() => props.onHoldToTalk(false)}
            data-testid="hold-to-talk"
          >
            Hold to talk <kbd>Space</kbd>
          </button>
        )}
        <button type="button" onClick={props.onInterrupt} disabled={!canInterrupt} data-testid="interrupt" title="Stop the reply (Esc)">
          Interrupt <kbd>Esc</kbd>
        </button>
      </div>
    </div>
  );
}
