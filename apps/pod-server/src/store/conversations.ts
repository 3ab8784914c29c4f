/**
 * Conversations kept on the pod: each turn as it ends (the user's words, the assistant's reply as
 * far as it was heard), so a conversation survives a dropped connection and a pod restart, and can
 * be listed, read, renamed, exported, continued and deleted.
 */
import { randomUUID } from "node:crypto";
import { type Conversation, type ConversationSummary, ProtocolError, type StoredTurn, type StoredTurnStatus } from "@fireside/protocol";
import type { ChatMessage } from "../engines/types.js";
import type { Sql } from "./sql.js";

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

export const newConversationId = () => `conv_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

const INSERT_TURN = `INSERT INTO conversation_turns (conversation_id, item_id, role, text, status, played_ms, voice, metrics_json, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (conversation_id, item_id) DO UPDATE SET text = excluded.text, status = excluded.status, played_ms = excluded.played_ms, metrics_json = excluded.metrics_json`;
const TOUCH_CONVERSATION =
  "UPDATE conversations SET updated_at = ?, title = CASE WHEN title = '' AND CAST(? AS TEXT) = 'user' THEN ? ELSE title END WHERE id = ?";

export class ConversationStore {
  constructor(private readonly sql: Sql) {}

  /** A new, empty conversation; it is titled by its first user turn. */
  async create(id = newConversationId()): Promise<string> {
    const now = new Date().toISOString();
    await this.sql.run("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, '', ?, ?)", [id, now, now]);
    return id;
  }

  async exists(id: string): Promise<boolean> {
    return !!(await this.sql.get("SELECT 1 AS one FROM conversations WHERE id = ?", [id]));
  }

  /** Adds a turn, or replaces it when the same item ends differently (a reply cut after it was stored). */
  async saveTurn(conversationId: string, turn: Omit<StoredTurn, "createdAt">): Promise<void> {
    const now = new Date().toISOString();
    const values = [
      conversationId,
      turn.itemId,
      turn.role,
      turn.text,
      turn.status,
      turn.playedMs ?? null,
      turn.voice ?? null,
      JSON.stringify(turn.metrics),
      now,
    ];
    // The title is the first user turn's words (CAST: PostgreSQL must know the parameter's type).
    const touch = [now, turn.role, titleFrom(turn.text), conversationId];
    if (this.sql.dialect === "postgres") {
      // One statement, one round trip: a reply waits for its user turn to be stored, and each of a
      // transaction's four round trips waited its turn on a busy pod's event loop (400 conversations
      // on one pod: stores of 1–2.5 s, past the bound a reply waits).
      await this.sql.run(`WITH turn AS (${INSERT_TURN} RETURNING 1) ${TOUCH_CONVERSATION}`, [...values, ...touch]);
      return;
    }
    await this.sql.transaction(async (tx) => {
      await tx.run(INSERT_TURN, values);
      await tx.run(TOUCH_CONVERSATION, touch);
    });
  }

  async list(): Promise<ConversationSummary[]> {
    const rows = await this.sql.all<{ id: string; title: string; created_at: string; updated_at: string; turns: number }>(
      `SELECT c.id, c.title, c.created_at, c.updated_at, CAST(COUNT(t.seq) AS INTEGER) AS turns FROM conversations c
         LEFT JOIN conversation_turns t ON t.conversation_id = c.id GROUP BY c.id HAVING COUNT(t.seq) > 0 ORDER BY c.updated_at DESC`,
    );
    return rows.map((r) => ({ id: r.id, title: r.title, turns: r.turns, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async get(id: string): Promise<Conversation> {
    const c = await this.sql.get<{ id: string; title: string; created_at: string; updated_at: string }>(
      "SELECT * FROM conversations WHERE id = ?",
      [id],
    );
    if (!c) throw new ProtocolError("E_NOT_FOUND", `no conversation ${id}`);
    const rows = await this.sql.all<TurnRow>("SELECT * FROM conversation_turns WHERE conversation_id = ? ORDER BY seq", [id]);
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
  async messages(id: string): Promise<ChatMessage[]> {
    return (await this.get(id)).history
      .filter((t) => t.text.trim() && t.status !== "failed")
      .map((t) => ({ role: t.role, content: t.text }));
  }

  async rename(id: string, title: unknown): Promise<Conversation> {
    const t = typeof title === "string" ? title.trim() : "";
    if (t.length < 1 || t.length > 200) throw new ProtocolError("E_BAD_REQUEST", "title must be 1–200 characters");
    if (!(await this.sql.run("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?", [t, new Date().toISOString(), id]))) {
      throw new ProtocolError("E_NOT_FOUND", `no conversation ${id}`);
    }
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.sql.run("DELETE FROM conversations WHERE id = ?", [id])))
      throw new ProtocolError("E_NOT_FOUND", `no conversation ${id}`);
    await this.sql.eraseDeleted();
  }

  /** Ids of conversations not changed since `cutoff` (ISO). */
  async unchangedSince(cutoff: string): Promise<string[]> {
    return (await this.sql.all<{ id: string }>("SELECT id FROM conversations WHERE updated_at < ?", [cutoff])).map((r) => r.id);
  }

  async allIds(): Promise<string[]> {
    return (await this.sql.all<{ id: string }>("SELECT id FROM conversations")).map((r) => r.id);
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
