/** The transcript panel: the turns as stored and heard (a log screen readers follow), and the composer for typed turns. */
import { useEffect, useRef, useState } from "react";
import { playedSamples, shownText } from "../session/captions";
import { useApp } from "../store/app-store";

export function ConversationView({
  onSend,
}: {
  /** Sends a typed message; false when it was not sent, and the box keeps it. */
  onSend: (text: string) => boolean;
}) {
  const turns = useApp((s) => s.turns);
  const audible = useApp((s) => s.audible);
  const played = useApp((s) => playedSamples(s.playback.playedMs));
  const end = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState("");
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [turns]);
  return (
    <section className="conversation" aria-label="Conversation">
      <h2 className="panel-title">Transcript</h2>
      <div className="turns" data-testid="turns" role="log" aria-label="Conversation turns">
        {turns.length === 0 && <p className="hint">What you and Fireside say shows here.</p>}
        <ol>
          {turns.map((t) => (
            <li key={t.id} className={`turn turn-${t.role} ${t.live ? "live" : ""} ${t.status ?? ""}`} data-testid={`turn-${t.role}`}>
              <span className="who">
                {t.role === "user" ? "You" : "Fireside"}
                {t.status === "interrupted" && <span className="tag">interrupted</span>}
              </span>
              <span className="text">{shownText(t, t === turns.at(-1) && (t.live || audible), played)}</span>
            </li>
          ))}
        </ol>
        <div ref={end} />
      </div>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          // A message the pod could not take stays in the box (the app says why).
          if (draft.trim() && onSend(draft.trim())) setDraft("");
        }}
      >
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Type a message…" aria-label="Message" />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
