/** Stored conversations on the pod: open one (its turns are shown and it continues), export, delete. */
import type { ConversationSummary } from "@fireside/protocol";
import { useCallback, useEffect, useMemo, useState } from "react";
import { fileName, saveTextFile } from "../files/save-text-file";
import { storedTurns } from "../session/session-reducer";
import { useApp } from "../store/app-store";
import { ConversationsApi } from "../transport/conversations-api";

export function ConversationList({ token, onContinue }: { token: string; onContinue: (id: string | null) => void }) {
  const podUrl = useApp((s) => s.settings.podUrl);
  const current = useApp((s) => s.conversationId);
  const turns = useApp((s) => s.turns.length);
  const api = useMemo(() => new ConversationsApi(podUrl, token), [podUrl, token]);
  const [items, setItems] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setItems(await api.list());
      setError(null);
    } catch (err) {
      setError(`Could not list conversations: ${(err as Error).message}`);
    }
  }, [api]);
  // Refresh when the conversation changes or grows (a new one appears after its first turn).
  useEffect(() => {
    void refresh();
  }, [refresh, current, turns]);

  const open = async (id: string) => {
    try {
      const c = await api.get(id);
      useApp.getState().set({ turns: storedTurns(c), latencies: [] });
      onContinue(id);
    } catch (err) {
      setError(`Could not open it: ${(err as Error).message}`);
    }
  };
  const exportMd = async (c: ConversationSummary) => {
    saveTextFile(fileName(c.title || c.id, "md"), await api.exportMarkdown(c.id), "text/markdown");
  };
  const remove = async (id: string) => {
    setConfirming(null);
    try {
      await api.remove(id);
      if (id === current) {
        useApp.getState().set({ turns: [], latencies: [] });
        onContinue(null);
      }
      await refresh();
    } catch (err) {
      setError(`Could not delete it: ${(err as Error).message}`);
    }
  };

  return (
    <section className="history" aria-label="Conversations" data-testid="history">
      <div className="history-head">
        <h2>Conversations</h2>
        <button
          type="button"
          onClick={() => {
            useApp.getState().set({ turns: [], latencies: [] });
            onContinue(null);
          }}
        >
          New conversation
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {items?.length === 0 && <p className="hint">No conversations yet. What you say is kept here.</p>}
      <ul>
        {items?.map((c) => (
          <li key={c.id} className={c.id === current ? "current" : ""} data-testid="history-item">
            <button type="button" className="link" onClick={() => void open(c.id)} title="Open and continue">
              <span className="history-title">{c.title || "Untitled"}</span>
              <span className="history-meta">
                {new Date(c.updatedAt).toLocaleString()} · {c.turns} turns
              </span>
            </button>
            <button type="button" onClick={() => void exportMd(c)} aria-label={`Export ${c.title}`}>
              Export
            </button>
            {confirming === c.id ? (
              <button type="button" className="danger" onClick={() => void remove(c.id)}>
                Delete for good
              </button>
            ) : (
              <button type="button" onClick={() => setConfirming(c.id)} aria-label={`Delete ${c.title}`}>
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
