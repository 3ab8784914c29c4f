/**
 * The address a request came from. Behind a proxy (RunPod's) every request comes from the proxy,
 * so the real client is the last X-Forwarded-For entry, which the proxy itself appended; earlier
 * entries are whatever the client claimed. The header is read only when the operator says a
 * proxy is in front (FIRESIDE_TRUST_PROXY), or anyone could pick a fresh address per request.
 */
import type { IncomingMessage } from "node:http";

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const direct = req.socket.remoteAddress ?? "unknown";
  if (!trustProxy) return direct;
  const header = req.headers["x-forwarded-for"];
  const last = (Array.isArray(header) ? header.at(-1) : header)?.split(",").at(-1)?.trim();
  return last && last.length <= 64 ? last : direct;
}
