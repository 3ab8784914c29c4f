/** The conversation as text: the transcript and the composer for typed turns. */
import { useEffect, useRef, useState } from "react";
import { shownText } from "../session/captions";
import { useApp } from "../store/app-store";
import { FirstRun } from "./FirstRun";

/** The transcript (a log screen readers announce) and the composer for typed turns. */
export function ConversationView({
  onSend,
  onStart,
  onOpenSettings,
}: {
  /** Sends a typed message; false when it was not sent, and the box keeps it. */
  onSend: (text: string) => boolean;
  onStart: () => void;
  onOpenSettings: () => void;
}) {
  const turns = useApp((s) => s.turns);
  const audible = useApp((s) => s.audible);
  const playedSamples = useApp((s) => Math.round(s.playback.playedMs * 24));
  const end = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState("");
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [turns]);
  return (
    <section className="conversation" aria-label="Conversation">
      {turns.length === 0 && <FirstRun onStart={onStart} onOpenSettings={onOpenSettings} />}
      <ol className="turns" data-testid="turns" role="log" aria-live="polite" aria-label="Conversation turns">
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
          // A message the pod could not take stays in the box (the app says why).
          if (draft.trim() && onSend(draft.trim())) setDraft("");
        }}
      >
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Or type a message…" aria-label="Message" />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
