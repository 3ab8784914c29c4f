/**
 * Every plain HTTP request: CORS, the REST rate limit, then the route — stored conversations, the
 * voice studio (both behind the token), /health, /ready, /metrics, the web client. Whatever a
 * handler throws is answered (400/500) and logged; none can end the process.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ProtocolError } from "@fireside/protocol";
import type { AuditLog } from "../audit/audit-log.js";
import type { Config } from "../config/config.js";
import { clientAddress } from "../guard/client-address.js";
import { corsPolicy } from "../guard/cors.js";
import type { RateLimits } from "../guard/rate-limits.js";
import { tokenFrom } from "../guard/token.js";
import type { TokenGate } from "../guard/token-gate.js";
import { storageFull } from "../store/storage-full.js";
import { type HealthDeps, health, isHealthPath, metricsText, ready } from "./health-routes.js";
import { drainThenClose, sendError, sendJson } from "./http-json.js";
import type { Logger } from "./logger.js";
import { staticFiles } from "./static-files.js";
import { isStudioPath } from "./studio-routes.js";

/** A guarded route: the token is checked before it is called. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL, address: string) => Promise<void>;

export interface HttpDeps {
  config: Config;
  log: Logger;
  limits: RateLimits;
  gate: TokenGate;
  audit: AuditLog;
  health: HealthDeps;
  conversations: Route;
  studio: Route;
}

export function parseUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://x");
  } catch {
    throw new ProtocolError("E_BAD_REQUEST", "the request path is not a valid URL");
  }
}

/** The server's request listener. */
export function httpRoutes(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, limits, gate, audit } = deps;
  const cors = corsPolicy(config.corsOrigins);
  const serveWeb = staticFiles(config.webDir);

  async function route(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    const url = parseUrl(req);
    const path = url.pathname;
    if (cors(req, res, isHealthPath(path))) return;
    // The balancer's own health checks (no X-Forwarded-For behind a trusted proxy) are not a client's
    // requests: counted, a fleet's checks every second used up the budget of the balancer's address.
    const probe = config.trustProxy && isHealthPath(path) && req.headers["x-forwarded-for"] === undefined;
    const wait = probe ? 0 : await limits.restRequest(address, tokenFrom(req, url));
    if (wait) {
      audit.rateLimited(address, "rest", path);
      throw new ProtocolError("E_RATE_LIMITED", "too many requests; slow down", { retryAfterMs: wait });
    }
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "v1" && parts[1] === "conversations") {
      await gate.require(req, url, address, path);
      return deps.conversations(req, res, url, address);
    }
    if (isStudioPath(parts)) {
      await gate.require(req, url, address, path);
      return deps.studio(req, res, url, address);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET" }).end();
      return;
    }
    if (path === "/health") health(deps.health, res);
    else if (path === "/ready") await ready(deps.health, res);
    else if (path === "/metrics") {
      if (!config.metricsPublic) await gate.require(req, url, address, path);
      await metricsText(deps.health, res);
    } else if (!serveWeb?.(path, res)) {
      sendJson(res, 404, { error: { code: "E_NOT_FOUND", message: `nothing at ${path}`, retryable: false } });
    }
  }

  return (req, res) => {
    let address = "unknown";
    try {
      address = clientAddress(req, config.trustProxy);
    } catch {
      // keep "unknown"
    }
    route(req, res, address).catch((err) => {
      // A full disk is counted (and so alerted on) wherever it happens; other REST errors are the client's.
      if (storageFull(err)) deps.health.metrics.countError("E_STORAGE_FULL");
      try {
        // Answer before the body was read (413, 401, 429): tell the client, then read what it still sends
        // (no "Connection: close": Node would close the socket under a client still uploading, which
        // then sees a reset instead of the answer).
        sendError(res, err, (e) => deps.log.error("request failed", { method: req.method, error: (e as Error)?.stack ?? String(e) }));
        if (!req.complete) drainThenClose(req);
      } catch (inner) {
        deps.log.error("could not answer a failed request", { error: String(inner) });
        res.destroy();
      }
    });
  };
}
