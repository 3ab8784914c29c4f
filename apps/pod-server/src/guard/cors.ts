/**
 * Which browser origins may call the REST API: the pod's own pages (same host), the desktop app
 * (file:// pages, Origin "file://"), and FIRESIDE_CORS_ORIGINS. Health and readiness are public
 * to every origin. Everything else gets no CORS header, so a page on another site cannot read it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export function corsPolicy(configured: string) {
  const allowed = new Set(
    configured
      .split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter(Boolean),
  );
  allowed.add("file://");
  const isAllowed = (req: IncomingMessage, origin: string) => {
    if (allowed.has(origin)) return true;
    const host = req.headers.host;
    return !!host && (origin === `http://${host}` || origin === `https://${host}`);
  };
  /** Sets the CORS headers for this request; true when it was a preflight that is now answered. */
  return (req: IncomingMessage, res: ServerResponse, publicRoute: boolean): boolean => {
    const origin = req.headers.origin;
    if (publicRoute) res.setHeader("Access-Control-Allow-Origin", "*");
    else if (origin && isAllowed(req, origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
    }
    if (req.method !== "OPTIONS") return false;
    if (res.hasHeader("Access-Control-Allow-Origin")) {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE");
      res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.setHeader("Access-Control-Max-Age", "600");
    }
    res.writeHead(204).end();
    return true;
  };
}
