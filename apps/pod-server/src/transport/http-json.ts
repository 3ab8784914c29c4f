/**
 * JSON answers and errors for every HTTP route. Errors are `{ error: { code, message, retryable,
 * retryAfterMs? } }` with the protocol's stable codes and a status to match; anything that is not a
 * ProtocolError is logged and becomes a 500 that says nothing about the server's insides.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorCode, ProtocolError } from "@fireside/protocol";
import { storageFull } from "../store/storage-full.js";

export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  E_AUTH: 401,
  E_BAD_REQUEST: 400,
  E_NOT_FOUND: 404,
  E_PAYLOAD_TOO_LARGE: 413,
  E_AUDIO_FORMAT: 415,
  E_AUDIO_QUALITY: 422,
  E_RATE_LIMITED: 429,
  E_BUSY: 503,
  E_ENGINE: 502,
  E_STORAGE_FULL: 507,
  E_STORAGE_UNAVAILABLE: 503,
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: unknown, onUnexpected?: (err: unknown) => void): void {
  if (!(err instanceof ProtocolError) && !storageFull(err)) onUnexpected?.(err);
  if (res.headersSent) {
    res.destroy(); // mid-response: the only honest signal left is a cut connection
    return;
  }
  const e = err instanceof ProtocolError ? err : (storageFull(err) ?? new ProtocolError("E_INTERNAL", "unexpected server error"));
  if (e.retryAfterMs !== undefined) res.setHeader("Retry-After", String(Math.ceil(e.retryAfterMs / 1000)));
  sendJson(res, HTTP_STATUS[e.code] ?? 500, {
    error: {
      code: e.code,
      message: e.message,
      retryable: e.retryable,
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    },
  });
}

/** How much of a refused upload is read and thrown away so the client sees the answer, not a reset. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_LIMIT_MS = 10_000;

/**
 * After answering early (413, 401) while the client is still sending: read and discard the rest,
 * up to a bound, and close only past it. Closing at once would reset the connection under a client
 * that is mid-upload, and it would never read the answer.
 */
export function drainThenClose(req: IncomingMessage): void {
  let drained = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, DRAIN_LIMIT_MS);
  timer.unref();
  req.on("data", (c: Buffer) => {
    drained += c.length;
    if (drained > DRAIN_LIMIT_BYTES) stop();
  });
  req.on("end", () => clearTimeout(timer));
  req.on("error", () => clearTimeout(timer));
  req.resume();
}

/** Reads the body up to `limit` bytes; past it, E_PAYLOAD_TOO_LARGE (the caller answers and drains). */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  const tooLarge = () => new ProtocolError("E_PAYLOAD_TOO_LARGE", `body exceeds ${formatBytes(limit)}`);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off("data", onData);
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** A JSON object body; anything else (null, an array, a number, broken JSON) is E_BAD_REQUEST. */
export async function readJsonObject(req: IncomingMessage, limit: number, shape: string): Promise<Record<string, unknown>> {
  const bytes = await readBody(req, limit);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ProtocolError("E_BAD_REQUEST", `body must be JSON: ${shape}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ProtocolError("E_BAD_REQUEST", `body must be a JSON object: ${shape}`);
  }
  return body as Record<string, unknown>;
}

const formatBytes = (n: number) => (n >= 1e6 ? `${Math.round(n / 1e6)} MB` : `${Math.round(n / 1024)} KiB`);
