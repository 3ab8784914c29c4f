/** Stored conversations on the pod (docs/studio.md, /v1/conversations). */
import { CONVERSATIONS_PATH, type Conversation, type ConversationSummary } from "@fireside/protocol";
import { PodRest } from "./pod-rest";

export class ConversationsApi extends PodRest {
  list = async () => (await this.call<{ conversations: ConversationSummary[] }>(CONVERSATIONS_PATH)).conversations;
  get = (id: string) => this.call<Conversation>(`${CONVERSATIONS_PATH}/${id}`);
  remove = (id: string) => this.call<void>(`${CONVERSATIONS_PATH}/${id}`, { method: "DELETE" });
  exportMarkdown = (id: string) => this.call<string>(`${CONVERSATIONS_PATH}/${id}/export?format=md`);
}
