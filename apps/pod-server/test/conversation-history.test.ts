/** The prompt's window over a conversation. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConversationHistory } from "../src/session/conversation-history.js";
import { ConversationStore } from "../src/store/conversations.js";
import { openSqlite } from "../src/store/sqlite.js";

const history = () => {
  const db = openSqlite(join(mkdtempSync(join(tmpdir(), "history-")), "fireside.db"));
  return new ConversationHistory(
    new ConversationStore(db),
    () => {},
    (err) => {
      throw err;
    },
  );
};
const firstTurn = (prompt: { role: string; content: string }[]) => prompt[1]?.content;

describe("the prompt's window over a conversation", () => {
  it("never moves back: a reply taken back does not bring old turns into the prompt again", () => {
    const h = history();
    h.addUser("item_1", "one", "spoken");
    h.addAssistant("resp_1", "reply one");
    h.addUser("item_2", "two", "spoken");
    h.addAssistant("resp_2", "reply two");
    // The warm-up for the next turn (a placeholder user message) fills the window of two
    // exchanges past its end: the first exchange leaves, and the LLM's cache lets it go.
    expect(firstTurn(h.prompt("persona", 2, { itemId: "next", text: "" }))).toBe("two");
    // The user went on over the last reply before hearing it: it is taken back, one message fewer.
    h.keepHeard("resp_2", "");
    const prompt = h.prompt("persona", 2, { itemId: "item_3", text: "three" });
    // Still from "two" on (moving back to "one" would have the LLM evaluate the whole history again).
    expect(prompt.map((m) => m.content)).toEqual(["persona", "two", "three"]);
  });

  it("starts from the beginning of a conversation carried on from the store", async () => {
    const db = openSqlite(join(mkdtempSync(join(tmpdir(), "history-")), "fireside.db"));
    const store = new ConversationStore(db);
    const fail = (err: Error) => {
      throw err;
    };
    const earlier = new ConversationHistory(store, () => {}, fail);
    for (const [i, q] of ["first", "second"].entries()) {
      earlier.addUser(`item_${i}`, q, "typed");
      earlier.addAssistant(`resp_${i}`, `answer ${i}`);
      earlier.saveReply(`resp_${i}`, "completed", { playedMs: 0, metrics: {} });
    }
    const h = new ConversationHistory(store, () => {}, fail);
    for (let i = 1; i <= 3; i++) {
      h.addUser(`item_${i}`, `q${i}`, "spoken");
      h.addAssistant(`resp_${i}`, `a${i}`);
    }
    expect(firstTurn(h.prompt("persona", 2))).toBe("q2"); // the window has moved on in this talk
    await earlier.flushed();
    h.continue(earlier.id!, await store.messages(earlier.id!));
    expect(firstTurn(h.prompt("persona", 2))).toBe("first");
  });
});
