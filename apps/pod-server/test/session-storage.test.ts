/** A full disk during a conversation: turns are still answered, the client is told each one was not stored, and storing resumes once space is freed. */
import { describe, expect, it } from "vitest";
import type { ConversationStore } from "../src/store/conversations.js";
import { HELLO, pod } from "./support/session-harness.js";

/**
 * The store as on a full disk, until `free()`: its writes throw what SQLite throws then
 * (SQLITE_FULL). SQLite on a real full file system fails the same way.
 */
function fill(store: ConversationStore): () => void {
  let full = true;
  const sqliteFull = () => Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
  const create = store.create.bind(store);
  const saveTurn = store.saveTurn.bind(store);
  store.create = async (id) => {
    if (full) throw sqliteFull();
    return create(id);
  };
  store.saveTurn = async (id, turn) => {
    if (full) throw sqliteFull();
    await saveTurn(id, turn);
  };
  return () => {
    full = false;
  };
}

describe("a full disk", () => {
  it("answers a typed turn, says E_STORAGE_FULL for the words and the reply it could not keep, and stores again once freed", async () => {
    const p = pod();
    const free = fill(p.conversations);
    const c = p.connect();
    c.send(HELLO);
    await c.next("session.ready");
    c.send({ type: "input.text", text: "Remember the word zebra." });
    const created = await c.next("response.created");
    const done = await c.next("response.completed");
    expect(done.status).toBe("completed");
    // Turns are stored behind the conversation: the reply's refusal may come just after it completed.
    await c.next("error", (e) => e.inReplyTo === created.responseId);
    const errors = c.messages.filter((m) => m.type === "error");
    expect(errors).toEqual([
      expect.objectContaining({ code: "E_STORAGE_FULL", retryable: true, inReplyTo: created.inReplyTo }),
      expect.objectContaining({ code: "E_STORAGE_FULL", retryable: true, inReplyTo: created.responseId }),
    ]);
    expect(c.messages.some((m) => m.type === "conversation.started")).toBe(false);
    expect(await p.metrics.errors.get()).toMatchObject({
      values: [expect.objectContaining({ labels: { code: "E_STORAGE_FULL" }, value: 2 })],
    });

    free();
    const from = c.messages.length;
    c.send({ type: "input.text", text: "And the word apple." });
    const started = await c.next("conversation.started", () => true, from);
    await c.next("response.completed", () => true, from);
    expect((await p.conversations.get(started.conversationId)).history.map((t) => t.role)).toEqual(["user", "assistant"]);
    expect(c.messages.slice(from).some((m) => m.type === "error")).toBe(false);
  });
});
