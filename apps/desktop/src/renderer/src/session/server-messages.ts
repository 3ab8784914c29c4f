/**
 * The pod's messages reduced into the store: the one place where what the pod says becomes what
 * the conversation view, the dashboard and the status line show. Side effects (playback) stay in
 * the voice session.
 */
import type { ServerMessage } from "@fireside/protocol";
import { useApp } from "../store/app-store";

const NOTICES: Partial<Record<string, string>> = {
  E_NO_SPEECH: "Didn't catch that — try again.",
  E_BUSY: "The pod is busy; try again in a moment.",
};

export function applyServerMessage(m: ServerMessage): void {
  const app = useApp.getState();
  switch (m.type) {
    case "session.ready":
      // A new or resumed session: anything still streaming on the old socket ended with it.
      app.set({
        server: m,
        ...(m.conversationId ? { conversationId: m.conversationId } : {}),
        turns: app.turns.map((t) =>
          t.live ? { ...t, live: false, ...(t.role === "assistant" ? { status: "interrupted" as const } : {}) } : t,
        ),
      });
      break;
    case "conversation.started":
      app.set({ conversationId: m.conversationId });
      break;
    case "session.state":
      app.set({ sessionState: m.state });
      break;
    case "input.committed":
      app.upsertTurn({ id: m.itemId, role: "user", text: "…", live: true });
      break;
    case "transcript.partial":
      app.upsertTurn({ id: m.itemId, role: "user", text: m.text, live: true });
      break;
    case "transcript.final":
      app.upsertTurn({ id: m.itemId, role: "user", text: m.text || "(nothing heard)", live: false });
      break;
    case "response.created":
      app.upsertTurn({ id: m.responseId, role: "assistant", text: "", live: true });
      break;
    case "response.text.delta":
      app.appendToTurn(m.responseId, m.delta);
      break;
    case "response.caption":
      app.addCaption(m.responseId, { text: m.text, startSample: m.startSample });
      break;
    // A reply nobody heard (the user went on, or cut in before its first word) is gone from the
    // pod's history too: it leaves the view rather than linger as text that was never said.
    case "response.interrupted":
      if (!m.heardText) app.removeTurn(m.responseId);
      else app.upsertTurn({ id: m.responseId, role: "assistant", text: m.heardText, live: false, status: "interrupted" });
      break;
    case "response.completed":
      // Nothing kept: a cancelled reply, or one already taken out of the view above.
      if (!m.text && (m.status === "cancelled" || !app.turns.some((t) => t.id === m.responseId))) {
        app.removeTurn(m.responseId);
        break;
      }
      app.upsertTurn({
        id: m.responseId,
        role: "assistant",
        text: m.text || app.turns.find((t) => t.id === m.responseId)?.text || "",
        live: false,
        status: m.status,
      });
      break;
    case "turn.metrics":
      app.recordLatency(m.responseId, m.metrics);
      break;
    case "error":
      app.set({ notice: NOTICES[m.code] ?? `${m.message} (${m.code})` });
      break;
    default:
      break;
  }
}
