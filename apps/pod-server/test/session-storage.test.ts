/** A full disk during a conversation: turns are still answered, the client is told each one was not stored, and storing resumes once space is freed. */
import { describe, expect, it } from "vitest";
import type { Db } from "../src/store/database.js";
import { HELLO, pod } from "./support/session-harness.js";

/** The database at its size limit, as on a full disk (SQLITE_FULL on the next page it needs); returns a way to free space. */
function fill(db: Db): () => void {
  db.exec("CREATE TABLE IF NOT EXISTS filler (b BLOB)");
  db.pragma(`max_page_count = ${(db.pragma("page_count", { simple: true }) as number) + 4}`);
  let full: unknown = null;
  while (!full) {
    try {
      db.prepare("INSERT INTO filler VALUES (zeroblob(2048))").run();
    } catch (err) {
      full = err;
    }
  }
  expect((full as { code?: string }).code).toBe("SQLITE_FULL");
  return () => void db.pragma("max_page_count = 1073741823");
}

describe("a full disk", () => {
  it("answers a typed turn, says E_STORAGE_FULL for the words and the reply it could not keep, and stores again once freed", async () => {
    const p = pod();
    const free = fill(p.db);
    const c = p.connect();
    c.send(HELLO);
    await c.next("session.ready");
    c.send({ type: "input.text", text: "Remember the word zebra." });
    const created = await c.next("response.created");
    const done = await c.next("response.completed");
    expect(done.status).toBe("completed");
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
    expect(p.conversations.get(started.conversationId).history.map((t) => t.role)).toEqual(["user", "assistant"]);
    expect(c.messages.slice(from).some((m) => m.type === "error")).toBe(false);
  });
});
