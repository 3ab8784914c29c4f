/**
 * The dialogue events WebSocket (DIALOGUE_EVENTS_PATH): a snapshot of every job on connect, then
 * each change as it happens, so the studio shows render progress without polling and a client
 * that reconnects (or comes back after closing the app) picks up where the jobs are now.
 */
import type { DialogueEvent } from "@fireside/protocol";
import { WebSocket } from "ws";
import type { DialogueJobs } from "../studio/dialogue-jobs.js";

export function serveDialogueEvents(ws: WebSocket, jobs: DialogueJobs, pingIntervalMs: number): void {
  const send = (event: DialogueEvent) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(event));
  };
  send({ type: "dialogue.jobs", jobs: jobs.list() });
  const unsubscribe = jobs.subscribe(send);
  // Protocol pings keep proxies (RunPod's ~100 s idle cut) from closing a quiet socket and find dead peers.
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, pingIntervalMs);
  ws.on("pong", () => {
    alive = true;
  });
  ws.on("close", () => {
    clearInterval(timer);
    unsubscribe();
  });
  ws.on("error", () => ws.terminate());
  // The channel is one-way; anything a client sends is ignored.
}
