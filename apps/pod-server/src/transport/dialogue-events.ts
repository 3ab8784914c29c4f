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
  // Changes while the snapshot is read are held and sent after it: none is lost between the two.
  let held: DialogueEvent[] | null = [];
  const unsubscribe = jobs.subscribe((event) => (held ? held.push(event) : send(event)));
  jobs.list().then(
    (list) => {
      send({ type: "dialogue.jobs", jobs: list });
      for (const event of held ?? []) send(event);
      held = null;
    },
    // The store cannot be read (a database down): the client reconnects and gets the snapshot then.
    () => ws.close(1011, "E_STORAGE_UNAVAILABLE"),
  );
  keepAlive(ws, pingIntervalMs);
  ws.on("close", unsubscribe);
  ws.on("error", () => ws.terminate());
  // The channel is one-way; anything a client sends is ignored.
}
