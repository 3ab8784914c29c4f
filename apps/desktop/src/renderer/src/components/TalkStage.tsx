/**
 * The Talk screen's centre: one living orb (its colour and motion say who has the turn; its size
 * and halo follow the mic's level while you talk and the voice's while Fireside talks), the state
 * in one large word that screen readers announce, the reply's words as they are heard, and round
 * controls. Where the connection stands, when it is not simply connected, is said once, here.
 */
import { playedSamples, shownText } from "../session/captions";
import { useApp } from "../store/app-store";
import { isActive } from "../transport/pod-transport";
import { ConnectionCard } from "./ConnectionCard";
import { FirstRun } from "./FirstRun";
import { LevelMeter } from "./LevelMeter";
import { RoundButton } from "./RoundButton";

const MIC_LABEL: Record<string, string> = {
  off: "Mic off",
  starting: "Starting the mic…",
  listening: "Mic on: just talk",
  "hearing-speech": "● you are speaking",
  "push-to-talk": "Mic ready: nothing is sent until you hold Space",
  paused: "Not listening: no pod connection",
};

export type StageState = "offline" | "waiting" | "muted" | "ready" | "listening" | "you" | "thinking" | "speaking";

const LABEL: Record<StageState, string> = {
  offline: "Not connected",
  waiting: "Waiting for the pod…",
  muted: "Muted",
  ready: "Hold Space to talk",
  listening: "Listening",
  you: "Hearing you",
  thinking: "Thinking…",
  speaking: "Speaking",
};

/**
 * What the user should see the assistant doing, from the pod's state and what is audible now.
 * `audible` holds through gaps between a reply's clauses (session/reply-playback.ts), so a late
 * frame never reads as "Thinking…" mid-reply.
 */
export function stageState(s: {
  connection: string;
  audible: boolean;
  muted: boolean;
  sessionState: string;
  mic: string;
  settings: { mode: string };
}): StageState {
  if (s.audible) return "speaking";
  // On its way (connecting, the pod loading its models, a dropped link being restored): not "offline".
  if (s.connection === "connecting" || s.connection === "loading" || s.connection === "reconnecting") return "waiting";
  if (s.connection !== "connected") return "offline";
  if (!s.muted && (s.mic === "hearing-speech" || s.sessionState === "user_speaking")) return "you";
  if (s.sessionState === "transcribing" || s.sessionState === "thinking" || s.sessionState === "speaking") return "thinking";
  if (s.muted) return "muted";
  // Push-to-talk sends nothing until held: it is not listening.
  if (s.settings.mode === "push-to-talk") return "ready";
  return "listening";
}

export function TalkStage(props: {
  /** False until the settings and token are loaded. */
  canStart: boolean;
  onStart: () => void;
  onHangUp: () => void;
  onInterrupt: () => void;
  onMute: (muted: boolean) => void;
  onHoldToTalk: (down: boolean) => void;
  onOpenSettings: () => void;
}) {
  const state = useApp((s) => stageState(s));
  const muted = useApp((s) => s.muted);
  const talkingWhileMuted = useApp((s) => s.talkingWhileMuted);
  const linkWarning = useApp((s) => s.linkWarning);
  const levels = useApp((s) => s.levels);
  const pushToTalk = useApp((s) => s.settings.mode === "push-to-talk");
  const connection = useApp((s) => s.connection);
  const active = isActive(connection);
  const mic = useApp((s) => s.mic);
  const empty = useApp((s) => s.turns.length === 0);
  const caption = useApp((s) => {
    const last = s.turns.at(-1);
    return last?.role === "assistant" && s.audible ? shownText(last, true, playedSamples(s.playback.playedMs)) : "";
  });
  const level = state === "speaking" ? levels.output : state === "you" || state === "listening" ? levels.input : 0;
  // RMS of speech is ~0.02–0.2: a square root spreads it over the orb's range.
  const lift = Math.min(1, Math.sqrt(level) * 2);
  const held = pushToTalk && mic === "hearing-speech";
  const canInterrupt = state === "speaking" || state === "thinking";
  return (
    <section className="stage" data-testid="stage" data-state={state} aria-label="Voice">
      <div className="orb-wrap" aria-hidden="true">
        <div className={`orb orb-${state}`} style={{ "--lift": lift.toFixed(3) } as React.CSSProperties} />
      </div>
      <p className="stage-label" data-testid="session-state" role="status">
        {LABEL[state]}
      </p>
      <p className="mic-state" data-testid="mic-state">
        {muted ? "Mic muted: nothing is sent" : MIC_LABEL[mic]}
      </p>
      {caption && (
        <p className="live-caption" aria-hidden="true" data-testid="live-caption">
          {caption}
        </p>
      )}
      <div className="stage-meters">
        <LevelMeter level={levels.input} label="mic" />
        <LevelMeter level={levels.output} label="voice" />
      </div>
      {linkWarning && state === "speaking" && (
        <p className="stage-nudge" role="status" data-testid="link-warning">
          {linkWarning}
        </p>
      )}
      {talkingWhileMuted && (
        <p className="stage-nudge" role="status" data-testid="muted-nudge">
          You're talking, but the mic is muted. Press M to unmute.
        </p>
      )}
      <ConnectionCard onStart={props.onStart} onOpenSettings={props.onOpenSettings} />
      <div className="stage-controls">
        {active ? (
          <>
            {/* Keyed: the Start button's element must not live on as Mute, keeping its focus (Space would then mute). */}
            <RoundButton
              key="mute"
              icon={muted ? "mic-off" : "mic"}
              label={muted ? "Unmute" : "Mute"}
              shortcut="M"
              pressed={muted}
              onClick={() => props.onMute(!muted)}
              testId="mute"
            />
            {pushToTalk && (
              <RoundButton
                icon="mic"
                label={held ? "Release to send" : "Hold to talk"}
                shortcut="Space"
                size="large"
                pressed={held}
                disabled={connection !== "connected" || muted}
                onHold={props.onHoldToTalk}
                testId="hold-to-talk"
              />
            )}
            <RoundButton
              icon="stop"
              label="Interrupt"
              shortcut="Esc"
              disabled={!canInterrupt}
              onClick={props.onInterrupt}
              testId="interrupt"
            />
            <RoundButton icon="end" label="Hang up" tone="danger" onClick={props.onHangUp} testId="hang-up" />
          </>
        ) : (
          <RoundButton
            key="start"
            icon="mic"
            label="Start talking"
            tone="primary"
            size="large"
            disabled={!props.canStart}
            onClick={props.onStart}
            testId="start"
          />
        )}
      </div>
      {empty && <FirstRun />}
    </section>
  );
}
