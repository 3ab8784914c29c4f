import { useEffect, useRef, useState } from "react";
import { shownText } from "../session/captions";
import { useApp } from "../store/app-store";

const STATE_LABEL: Record<string, string> = {
  idle: "Listening",
  user_speaking: "Hearing you",
  transcribing: "Transcribing",
  thinking: "Thinking",
  speaking: "Speaking",
  interrupted: "Interrupted",
  closed: "Closed",
};

export function ConversationView({ onInterrupt, onSend }: { onInterrupt: () => void; onSend: (text: string) => void }) {
  const turns = useApp((s) => s.turns);
  const podState = useApp((s) => s.sessionState);
  const audible = useApp((s) => s.audible);
  const mic = useApp((s) => s.mic);
  const playedSamples = useApp((s) => Math.round(s.playback.playedMs * 24));
  // What the user hears decides: a reply still playing is "Speaking" though the pod is done, and a
  // reply the pod is still sending but the speaker has not started (or has finished) is not.
  const connection = useApp((s) => s.connection);
  const state = audible ? "speaking" : podState === "speaking" ? "thinking" : podState;
  // Without a session there is nobody listening: say so instead of the last session's state.
  const offline = connection !== "connected" && !audible;
  const end = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState("");
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [turns]);
  return (
    <section className="conversation" aria-label="Conversation">
      <div className="state-row">
        <span className={`state-pill state-${offline ? "closed" : state}`} data-testid="session-state">
          {offline ? "Not connected" : (STATE_LABEL[state] ?? state)}
        </span>
        <span className="mic-state" data-testid="mic-state">
          {mic === "hearing-speech"
            ? "● you are speaking"
            : mic === "push-to-talk"
              ? "Hold Space to talk"
              : mic === "listening"
                ? "Mic on"
                : mic === "paused"
                  ? "Not listening: no pod connection"
                  : mic}
        </span>
        <button
          type="button"
          className="interrupt"
          onClick={onInterrupt}
          disabled={state !== "speaking" && state !== "thinking" && state !== "transcribing"}
        >
          Interrupt
        </button>
      </div>
      <ol className="turns" data-testid="turns">
        {turns.map((t) => (
          <li key={t.id} className={`turn turn-${t.role} ${t.live ? "live" : ""} ${t.status ?? ""}`} data-testid={`turn-${t.role}`}>
            <span className="who">{t.role === "user" ? "You" : "Fireside"}</span>
            <span className="text">{shownText(t, t === turns.at(-1) && (t.live || audible), playedSamples)}</span>
            {t.status === "interrupted" && <span className="tag">interrupted</span>}
          </li>
        ))}
        <div ref={end} />
      </ol>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim()) onSend(draft.trim());
          setDraft("");
        }}
      >
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Or type a message…" aria-label="Message" />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
