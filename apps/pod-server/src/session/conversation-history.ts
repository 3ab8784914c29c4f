/**
 * A session's conversation: the messages the LLM sees (the user's words, each reply as far as it
 * was heard) and their stored copy on the pod. The conversation is created in the store with its
 * first turn (the client is told its id then); a continued or resumed one starts from its stored
 * turns. Turns are stored in the order they happen, one after another, without holding up the turn;
 * storage trouble is logged and never ends a turn.
 */
import type { StoredTurn, StoredTurnStatus } from "@fireside/protocol";
import type { ChatMessage } from "../engines/types.js";
import { type ConversationStore, newConversationId } from "../store/conversations.js";

interface Message extends ChatMessage {
  /** Assistant messages: the response they came from, so a later cut finds its own. */
  responseId?: string;
  /** User messages: their item, so a continued utterance replaces its first part. */
  itemId?: string;
}

/** The messages with the user's words for `itemId` added, or replacing that item's earlier words. */
function withUser(messages: Message[], itemId: string, text: string): Message[] {
  const i = messages.findIndex((m) => m.itemId === itemId);
  if (i < 0) return [...messages, { role: "user", content: text, itemId }];
  const out = [...messages];
  out[i] = { ...out[i]!, content: text };
  return out;
}

/**
 * The first message the prompt keeps. Old turns leave in blocks of half the window, so the
 * prompt's beginning — the LLM's cached prefix — changes once every maxTurns/2 turns instead of
 * on every turn (each change costs the LLM a shift of its whole cache, ~0.3 s on one core).
 */
export function windowStart(count: number, maxTurns: number): number {
  const max = 2 * maxTurns;
  if (count <= max) return 0;
  const step = 2 * Math.max(1, Math.floor(maxTurns / 2));
  return Math.ceil((count - max) / step) * step;
}

export class ConversationHistory {
  private messages: Message[] = [];
  private conversationId: string | null = null;
  /** Whether the conversation's row exists in the store (a continued one does; a new one once its first turn is stored). */
  private stored = false;
  /** The stores in flight, in order. */
  private saving: Promise<void> = Promise.resolve();
  /**
   * Where the last prompt's window started. It only moves on: a reply taken back makes the history
   * a message shorter, and moving the window back would bring turns into the prompt that the LLM's
   * cache has already let go — all evaluated again (500 tokens, 5.6 s on one core, once in a bench).
   */
  private windowFloor = 0;

  constructor(
    private readonly store: ConversationStore,
    private readonly onStarted: (conversationId: string) => void,
    /** A turn could not be stored (a full disk): `itemId` names it. */
    private readonly onStoreError: (err: Error, itemId: string) => void,
    /** A turn was stored, `ms` after it was handed over. */
    private readonly onStored: (ms: number) => void = () => {},
  ) {}

  get id(): string | null {
    return this.conversationId;
  }

  /**
   * Carries on a conversation: `messages` are its stored turns (ConversationStore.messages), null
   * when it has none yet (a resumed session whose first turn was never stored keeps its id).
   */
  continue(conversationId: string, messages: ChatMessage[] | null): void {
    this.messages = [...(messages ?? [])];
    this.conversationId = conversationId;
    this.stored = messages !== null;
    this.windowFloor = 0;
  }

  /** Resolves once every turn handed over so far is stored (or its failure reported). */
  flushed(): Promise<void> {
    return this.saving;
  }

  /**
   * The user's words; the same item again (an utterance continued after a pause) replaces them.
   * Resolves once they are stored (or their failure reported).
   */
  addUser(itemId: string, text: string, status: "spoken" | "typed"): Promise<void> {
    this.messages = withUser(this.messages, itemId, text);
    return this.save({ itemId, role: "user", text, status, metrics: {} });
  }

  /** A reply generated in full (stored when it ends, with how it ended). */
  addAssistant(responseId: string, text: string): void {
    this.messages.push({ role: "assistant", content: text, responseId });
  }

  /** The reply becomes what was heard of it: replaced, added (if it had not ended yet) or removed. */
  keepHeard(responseId: string, heard: string): void {
    const i = this.messages.findIndex((m) => m.responseId === responseId);
    if (i >= 0 && heard) this.messages[i] = { ...this.messages[i]!, content: heard };
    else if (i >= 0) this.messages.splice(i, 1);
    else if (heard) this.messages.push({ role: "assistant", content: heard, responseId });
  }

  /** The reply's text as kept ("" when nothing of it is). */
  replyText(responseId: string): string {
    return this.messages.find((m) => m.responseId === responseId)?.content ?? "";
  }

  saveReply(responseId: string, status: StoredTurnStatus, extra: Pick<StoredTurn, "playedMs" | "voice" | "metrics">): void {
    const text = this.replyText(responseId);
    if (!text && status === "failed") return;
    this.save({ itemId: responseId, role: "assistant", text, status, ...extra });
  }

  /**
   * The LLM's messages: the persona, then the newest exchanges — at most `maxTurns`, at least half
   * as many — with `pending` as if it had been added (a draft reply's prompt, built before the
   * turn is committed).
   */
  prompt(persona: string, maxTurns: number, pending?: { itemId: string; text: string }): ChatMessage[] {
    const messages = pending ? withUser(this.messages, pending.itemId, pending.text) : this.messages;
    const start = Math.min(Math.max(windowStart(messages.length, maxTurns), this.windowFloor), messages.length - 1);
    this.windowFloor = Math.max(0, start);
    const kept = messages.slice(this.windowFloor);
    return [{ role: "system", content: persona }, ...kept.map(({ role, content }) => ({ role, content }))];
  }

  private save(turn: Omit<StoredTurn, "createdAt">): Promise<void> {
    // The id is known at once (a resume snapshot carries it); the client is told of it once its row is stored.
    this.conversationId ??= newConversationId();
    const id = this.conversationId;
    const handedAt = performance.now();
    this.saving = this.saving.then(async () => {
      try {
        if (!this.stored) {
          await this.store.create(id);
          this.stored = true;
          this.onStarted(id);
        }
        await this.store.saveTurn(id, turn);
        this.onStored(performance.now() - handedAt);
      } catch (err) {
        this.onStoreError(err as Error, turn.itemId);
      }
    });
    return this.saving;
  }
}
