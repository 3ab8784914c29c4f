/**
 * Shapes of stored conversations (REST /v1/conversations, docs/studio.md), shared by the pod and the app.
 */

/** User turns: how they came in; assistant turns: how the reply ended. */
export type StoredTurnStatus = "spoken" | "typed" | "completed" | "interrupted" | "cancelled" | "failed";

export interface StoredTurn {
  /** item_… for the user, resp_… for the assistant: unique across sessions. */
  itemId: string;
  role: "user" | "assistant";
  /** The user's words; the reply as far as it was heard. */
  text: string;
  status: StoredTurnStatus;
  /** Assistant turns cut short: ms of the reply the user heard. */
  playedMs?: number;
  voice?: string;
  metrics: Record<string, number>;
  createdAt: string;
}

export interface ConversationSummary {
  id: string;
  title: string;
  turns: number;
  createdAt: string;
  updatedAt: string;
}

export interface Conversation extends ConversationSummary {
  history: StoredTurn[];
}

export const CONVERSATIONS_PATH = "/v1/conversations";
