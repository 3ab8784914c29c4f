/**
 * The dialogue events WebSocket (DIALOGUE_EVENTS_PATH): a snapshot of every job on connect, then
 * each change as it happens, so the studio shows render progress without polling and a client
 * that reconnects (or comes back after closing the app) picks up where the jobs are now.
 */
import type { DialogueEvent } from "@fireside/protocol";
import { WebSocket } from "ws";
import type { DialogueJobs } from "../studio/dialogue-jobs.js";
import { keepAlive } from "./keepalive.js";

export function serveDialogueEvents(ws: WebSocket, jobs: DialogueJobs, pingIntervalMs: number): void {
  const send = (event: DialogueEvent) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(event));
  };
  send({ type: "dialogue.jobs", jobs: jobs.list() });
  const unsubscribe = jobs.subscribe(send);
  keepAlive(ws, pingIntervalMs);
  ws.on("close", unsubscribe);
  ws.on("error", () => ws.terminate());
  // The channel is one-way; anything a client sends is ignored.
}
