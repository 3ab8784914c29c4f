/**
 * Conversations kept on the pod: each turn as it ends (the user's words, the assistant's reply as
 * far as it was heard), so a conversation survives a dropped connection and a pod restart, and can
 * be listed, read, renamed, exported, continued and deleted.
 */
import { randomUUID } from "node:crypto";
import { type Conversation, type ConversationSummary, ProtocolError, type StoredTurn, type StoredTurnStatus } from "@fireside/protocol";
import type { ChatMessage } from "../engines/types.js";
import { type Db, eraseDeleted } from "./database.js";

interface TurnRow {
  item_id: string;
  role: "user" | "assistant";
  text: string;
  status: StoredTurnStatus;
  played_ms: number | null;
  voice: string | null;
  metrics_json: string;
  created_at: string;
}

const TITLE_CHARS = 60;

function titleFrom(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length <= TITLE_CHARS ? t : `${t.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}

export class ConversationStore {
  constructor(private readonly db: Db) {}

  /** A new, empty conversation; it is titled by its first user turn. */
  create(): string {
    const id = `conv_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const now = new Date().toISOString();
    this.db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, '', ?, ?)").run(id, now, now);
    return id;
  }

  exists(id: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM conversations WHERE id = ?").get(id);
  }

  /** Adds a turn, or replaces it when the same item ends differently (a reply cut after it was stored). */
  saveTurn(conversationId: string, turn: Omit<StoredTurn, "createdAt">): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO conversation_turns (conversation_id, item_id, role, text, status, played_ms, voice, metrics_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (conversation_id, item_id) DO UPDATE SET text = excluded.text, status = excluded.status, played_ms = excluded.played_ms, metrics_json = excluded.metrics_json`,
        )
        .run(
          conversationId,
          turn.itemId,
          turn.role,
          turn.text,
          turn.status,
          turn.playedMs ?? null,
          turn.voice ?? null,
          JSON.stringify(turn.metrics),
          now,
        );
      this.db
        .prepare("UPDATE conversations SET updated_at = ?, title = CASE WHEN title = '' AND ? = 'user' THEN ? ELSE title END WHERE id = ?")
        .run(now, turn.role, titleFrom(turn.text), conversationId);
    })();
  }

  list(): ConversationSummary[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.title, c.created_at, c.updated_at, COUNT(t.seq) AS turns FROM conversations c
         LEFT JOIN conversation_turns t ON t.conversation_id = c.id GROUP BY c.id HAVING turns > 0 ORDER BY c.updated_at DESC`,
      )
      .all() as { id: string; title: string; created_at: string; updated_at: string; turns: number }[];
    return rows.map((r) => ({ id: r.id, title: r.title, turns: r.turns, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  get(id: string): Conversation {
    const c = this.db.prepare("SELECT * FROM conversations WHERE id = ?").get(id) as
      | { id: string; title: string; created_at: string; updated_at: string }
      | undefined;
    if (!c) throw new ProtocolError("E_NOT_FOUND", `no conversation ${id}`);
    const rows = this.db.prepare("SELECT * FROM conversation_turns WHERE conversation_id = ? ORDER BY seq").all(id) as TurnRow[];
    const history = rows.map(
      (r): StoredTurn => ({
        itemId: r.item_id,
        role: r.role,
        text: r.text,
        status: r.status,
        ...(r.played_ms !== null ? { playedMs: r.played_ms } : {}),
        ...(r.voice ? { voice: r.voice } : {}),
        metrics: JSON.parse(r.metrics_json),
        createdAt: r.created_at,
      }),
    );
    return { id: c.id, title: c.title, turns: history.length, createdAt: c.created_at, updatedAt: c.updated_at, history };
  }

  /** What the LLM is shown when a conversation is continued: the words said and heard, in order. */
  messages(id: string): ChatMessage[] {
    return this.get(id)
      .history.filter((t) => t.text.trim() && t.status !== "failed")
      .map((t) => ({ role: t.role, content: t.text }));
  }

  rename(id: string, title: unknown): Conversation {
    const t = typeof title === "string" ? title.trim() : "";
    if (t.length < 1 || t.length > 200) throw new ProtocolError("E_BAD_REQUEST", "title must be 1–200 characters");
    this.get(id);
    this.db.prepare("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?").run(t, new Date().toISOString(), id);
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare("DELETE FROM conversations WHERE id = ?").run(id);
    eraseDeleted(this.db);
  }

  /** Ids of conversations not changed since `cutoff` (ISO). */
  unchangedSince(cutoff: string): string[] {
    return (this.db.prepare("SELECT id FROM conversations WHERE updated_at < ?").all(cutoff) as { id: string }[]).map((r) => r.id);
  }

  allIds(): string[] {
    return (this.db.prepare("SELECT id FROM conversations").all() as { id: string }[]).map((r) => r.id);
  }
}

/** A conversation as Markdown: a title, then each turn under who said it. */
export function conversationMarkdown(c: Conversation): string {
  const lines = [`# ${c.title || "Conversation"}`, "", `_${c.createdAt} – ${c.updatedAt}_`, ""];
  for (const t of c.history) {
    const who = t.role === "user" ? "**You**" : "**Fireside**";
    const note = t.status === "interrupted" ? " _(interrupted)_" : t.status === "cancelled" ? " _(cut off)_" : "";
    lines.push(`${who}: ${t.text}${note}`, "");
  }
  return lines.join("\n");
}
