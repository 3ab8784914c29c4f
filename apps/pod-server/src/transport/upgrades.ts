/**
 * The gate in front of the WebSockets (/v1/realtime, /v1/dialogues/events): a blocked address, the
 * connect rate limit, the token in the upgrade, and the pending-socket cap, each refused before a
 * socket is made (or, for a rate limit, with a typed error a browser can read).
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { DIALOGUE_EVENTS_PATH, ProtocolError, REALTIME_PATH } from "@fireside/protocol";
import type { WebSocket, WebSocketServer } from "ws";
import type { AuditLog } from "../audit/audit-log.js";
import type { Config } from "../config/config.js";
import { clientAddress } from "../guard/client-address.js";
import type { PendingSockets } from "../guard/pending-sockets.js";
import type { RateLimits } from "../guard/rate-limits.js";
import { tokenFrom } from "../guard/token.js";
import type { TokenGate } from "../guard/token-gate.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { parseUrl } from "./http-routes.js";
import type { Logger } from "./logger.js";
import { refuse } from "./realtime-sockets.js";

export interface UpgradeDeps {
  config: Config;
  log: Logger;
  wss: WebSocketServer;
  limits: RateLimits;
  pending: PendingSockets;
  gate: TokenGate;
  audit: AuditLog;
  metrics: ServerMetrics;
  /** False while the pod drains: new realtime sockets are refused with 503 (a balancer retries another pod). */
  accepting(): boolean;
  /** A realtime socket that passed the gate; `releasePending` frees its pending slot. */
  realtime(ws: WebSocket, authenticated: boolean, address: string, releasePending: () => void): void;
  dialogueEvents(ws: WebSocket): void;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

/** Answers an upgrade request with a plain HTTP status and closes: no WebSocket is made. */
function refuseUpgrade(socket: Socket, status: number, retryAfterMs?: number): void {
  const retry = retryAfterMs ? `Retry-After: ${Math.ceil(retryAfterMs / 1000)}\r\n` : "";
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\n${retry}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The server's `upgrade` listener. */
export function upgrades(deps: UpgradeDeps): (req: IncomingMessage, socket: Socket, head: Buffer) => void {
  const { config, wss, limits, pending, gate, audit } = deps;

  async function handle(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const address = clientAddress(req, config.trustProxy);
    let url: URL;
    try {
      url = parseUrl(req);
    } catch {
      return refuseUpgrade(socket, 400);
    }
    const path = url.pathname;
    if (path !== REALTIME_PATH && path !== DIALOGUE_EVENTS_PATH) return refuseUpgrade(socket, 404);
    const blocked = await gate.blockedFor(address, path);
    if (blocked) return refuseUpgrade(socket, 429, blocked);
    const wait = await limits.connect(address);
    if (wait) {
      audit.rateLimited(address, "connect", path);
      if (socket.destroyed) return;
      const err = new ProtocolError("E_RATE_LIMITED", "too many connects from this address; wait before reconnecting", {
        retryAfterMs: wait,
      });
      return wss.handleUpgrade(req, socket, head, (ws) => refuse(ws, deps.metrics, err, 4429));
    }
    const token = tokenFrom(req, url);
    const tokenOk = gate.accepts(token);
    // A wrong token in the upgrade is refused outright; a missing one may still come in hello.
    if (!tokenOk && (token !== null || path === DIALOGUE_EVENTS_PATH)) {
      await gate.failed(address, path);
      return refuseUpgrade(socket, 401);
    }
    if (socket.destroyed) return;
    if (path === DIALOGUE_EVENTS_PATH) {
      wss.handleUpgrade(req, socket, head, (ws) => deps.dialogueEvents(ws));
      return;
    }
    if (!deps.accepting()) return refuseUpgrade(socket, 503, 1000);
    const release = pending.admit(address);
    if (release === "address") {
      audit.rateLimited(address, "pending", path);
      return refuseUpgrade(socket, 429, config.helloTimeoutMs);
    }
    if (release === "total") return refuseUpgrade(socket, 503, config.helloTimeoutMs);
    // ws answers a malformed handshake itself and never calls back: free the slot when the socket goes.
    socket.once("close", release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        deps.realtime(ws, tokenOk, address, release);
      } catch (err) {
        release();
        deps.log.error("could not open a session", { error: (err as Error)?.stack ?? String(err) });
        ws.terminate();
      }
    });
  }

  return (req, socket, head) => {
    socket.on("error", () => socket.destroy()); // a reset mid-handshake must not become an uncaught error
    handle(req, socket, head).catch((err) => {
      deps.log.error("upgrade failed", { error: (err as Error)?.stack ?? String(err) });
      socket.destroy();
    });
  };
}
