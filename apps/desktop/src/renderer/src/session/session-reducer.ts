/**
 * The one place where what the voice session reports becomes what the app shows: each event gives
 * the store's next state (pure; the store applies it). The pod's messages are reduced here too.
 */
import type { Conversation, ServerMessage } from "@fireside/protocol";
import type { AppState, Turn, TurnLatency } from "../store/app-store";
import { playedSamples, shownText } from "./captions";
import { linkWarning } from "./link-quality";
import { GPU_HISTORY, type SessionEvent } from "./session-events";

export type SessionSlice = Pick<
  AppState,
  | "connection"
  | "notice"
  | "connectionNotice"
  | "rttMs"
  | "link"
  | "linkWarning"
  | "server"
  | "health"
  | "gpuHistory"
  | "conversationId"
  | "sessionState"
  | "mic"
  | "muted"
  | "talkingWhileMuted"
  | "micError"
  | "turns"
  | "latencies"
  | "playback"
  | "audible"
  | "levels"
>;

const NOTICES: Partial<Record<string, string>> = {
  E_NO_SPEECH: "Didn't catch that — try again.",
  E_BUSY: "The pod is busy; try again in a moment.",
  E_STORAGE_FULL: "The pod's disk is full: this conversation is answered but not saved. The pod's operator needs to free space.",
  E_STORAGE_UNAVAILABLE: "The pod cannot reach its database: this conversation is answered but not saved until it is back.",
};

export function reduceSessionEvent(s: SessionSlice, ev: SessionEvent): Partial<SessionSlice> {
  switch (ev.type) {
    case "server":
      return reduceServerMessage(s, ev.message);
    case "connection":
      // Round trip and link figures describe a live connection; without one they would be stale.
      // A connected link's notice (a codec error) is a problem of its own; any other is the card's.
      return ev.status === "connected"
        ? { connection: ev.status, connectionNotice: null, ...(ev.notice ? { notice: ev.notice } : {}) }
        : { connection: ev.status, connectionNotice: ev.notice, rttMs: null, link: null, linkWarning: null };
    case "rtt":
      return { rttMs: Math.round(ev.ms) };
    case "link":
      return { link: ev.link, linkWarning: linkWarning(s.link, ev.link) };
    case "mic":
      return {
        mic: ev.status,
        muted: ev.muted,
        talkingWhileMuted: ev.talkingWhileMuted,
        ...(ev.status === "starting" ? { micError: null, notice: null } : {}),
      };
    case "mic-error":
      return { mic: "off", micError: ev.message };
    case "notice":
      return { notice: ev.text };
    case "input-level":
      return { levels: { ...s.levels, input: ev.level } };
    case "playback": {
      const { bufferedMs, underruns, playing, playedMs, audible, level } = ev;
      return { playback: { bufferedMs, underruns, playing, playedMs }, audible, levels: { ...s.levels, output: level } };
    }
    case "audible":
      return { audible: ev.audible };
    case "latency":
      return { latencies: withLatency(s.latencies, ev.responseId, ev.metrics) };
    case "typed":
      return { turns: upsert(s.turns, { id: ev.id, role: "user", text: ev.text, live: false }) };
    case "conversation":
      return { conversationId: ev.id };
    case "stored":
      // The conversation as the pod keeps it, after a session that could not be resumed: what the
      // view shows is then exactly what History and the export say.
      return ev.conversation.id === s.conversationId ? { turns: storedTurns(ev.conversation) } : {};
    case "health":
      return { health: ev.health };
    case "gpu": {
      const { at, utilisation, memoryMiB, memoryTotalMiB } = ev;
      return { gpuHistory: [...s.gpuHistory, { at, utilisation, memoryMiB, memoryTotalMiB }].slice(-GPU_HISTORY) };
    }
  }
}

function reduceServerMessage(s: SessionSlice, m: ServerMessage): Partial<SessionSlice> {
  switch (m.type) {
    case "session.ready": {
      // Anything still streaming on the old socket ended with it. A session that is not resumed (the
      // pod restarted, or the grace window passed) starts idle, and its lost reply keeps only the
      // clauses that were heard (or leaves, if none were).
      const turns = s.turns.flatMap((t): Turn[] => {
        if (!t.live) return [t];
        if (t.role === "user") return [{ ...t, live: false }];
        if (m.resumed) return [{ ...t, live: false, status: "interrupted" }];
        const heard = shownText(t, true, playedSamples(s.playback.playedMs));
        return heard && heard !== "…" ? [{ ...t, text: heard, live: false, status: "interrupted" }] : [];
      });
      return {
        server: m,
        ...(m.conversationId ? { conversationId: m.conversationId } : {}),
        turns,
        ...(m.resumed ? {} : { sessionState: "idle" as const, audible: false }),
      };
    }
    case "conversation.started":
      return { conversationId: m.conversationId };
    case "session.state":
      return { sessionState: m.state };
    case "input.committed":
      return { turns: upsert(s.turns, { id: m.itemId, role: "user", text: "…", live: true }) };
    case "transcript.partial":
      return { turns: upsert(s.turns, { id: m.itemId, role: "user", text: m.text, live: true }) };
    case "transcript.final":
      return { turns: upsert(s.turns, { id: m.itemId, role: "user", text: m.text || "(nothing heard)", live: false }) };
    case "response.created":
      return { turns: upsert(s.turns, { id: m.responseId, role: "assistant", text: "", live: true }) };
    case "response.text.delta":
      return { turns: s.turns.map((t) => (t.id === m.responseId ? { ...t, text: t.text + m.delta } : t)) };
    case "response.caption": {
      const caption = { text: m.text, startSample: m.startSample };
      return { turns: s.turns.map((t) => (t.id === m.responseId ? { ...t, captions: [...(t.captions ?? []), caption] } : t)) };
    }
    // A reply nobody heard (the user went on, or cut in before its first word) is gone from the
    // pod's history too: it leaves the view rather than linger as text that was never said.
    case "response.interrupted":
      if (!m.heardText) return { turns: s.turns.filter((t) => t.id !== m.responseId) };
      return { turns: upsert(s.turns, { id: m.responseId, role: "assistant", text: m.heardText, live: false, status: "interrupted" }) };
    case "response.completed": {
      const shown = s.turns.find((t) => t.id === m.responseId);
      // Nothing kept: a cancelled reply, or one already taken out of the view above.
      if (!m.text && (m.status === "cancelled" || !shown)) return { turns: s.turns.filter((t) => t.id !== m.responseId) };
      return {
        turns: upsert(s.turns, { id: m.responseId, role: "assistant", text: m.text || shown?.text || "", live: false, status: m.status }),
      };
    }
    case "turn.metrics":
      return { latencies: withLatency(s.latencies, m.responseId, { ...m.metrics, ...(m.endOfTurn ? { endOfTurn: m.endOfTurn } : {}) }) };
    case "response.resumed": {
      const resumes = (s.latencies.find((l) => l.responseId === m.responseId)?.resumes ?? 0) + 1;
      return { latencies: withLatency(s.latencies, m.responseId, { resumes }) };
    }
    case "error":
      // An utterance that held no speech was committed ("You …") but never transcribed: it leaves
      // the view, as it never enters the pod's history.
      if (m.code === "E_NO_SPEECH") {
        return { notice: NOTICES[m.code]!, turns: s.turns.filter((t) => !(t.role === "user" && t.live && t.text === "…")) };
      }
      return { notice: NOTICES[m.code] ?? `${m.message} (${m.code})` };
    default:
      return {};
  }
}

/** Stored turns (GET /v1/conversations/{id}) as the conversation view shows them. */
export function storedTurns(c: Conversation): Turn[] {
  return c.history.map((t) => ({
    id: t.itemId,
    role: t.role,
    text: t.text,
    live: false,
    ...(t.role === "assistant" ? { status: t.status === "cancelled" ? "interrupted" : (t.status as Turn["status"]) } : {}),
  }));
}

/** The turn added, or merged into the one with its id. */
export function upsert(turns: Turn[], turn: Turn): Turn[] {
  const i = turns.findIndex((t) => t.id === turn.id);
  if (i < 0) return [...turns, turn];
  const next = turns.slice();
  next[i] = { ...next[i]!, ...turn };
  return next;
}

/** The last 20 turns' latencies, the figure merged into its reply's. */
function withLatency(latencies: TurnLatency[], responseId: string, patch: Partial<TurnLatency>): TurnLatency[] {
  const i = latencies.findIndex((l) => l.responseId === responseId);
  if (i < 0) return [...latencies, { responseId, ...patch }].slice(-20);
  const next = latencies.slice();
  next[i] = { ...next[i]!, ...patch };
  return next;
}
