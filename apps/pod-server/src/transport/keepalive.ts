/** Keepalive for a WebSocket: protocol pings, and dead peers dropped. */
import { WebSocket } from "ws";

/**
 * Protocol pings every `intervalMs` keep proxies (RunPod's ~100 s idle cut) from closing a quiet
 * socket; a peer that answered nothing since the previous ping is dropped. `onPing` adds a message
 * the client can see; any traffic from the peer counts as an answer (call `touch`). Stops on close.
 */
export function keepAlive(ws: WebSocket, intervalMs: number, onPing?: () => void): { touch(): void } {
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
    if (ws.readyState === WebSocket.OPEN) onPing?.();
  }, intervalMs);
  const touch = () => {
    alive = true;
  };
  ws.on("pong", touch);
  ws.on("close", () => clearInterval(timer));
  return { touch };
}
