/** A stranger's tools against a pod on loopback: HTTP, raw TCP and WebSockets from a chosen address, as the attack test uses them. */
import { request } from "node:http";
import { connect as tcpConnect } from "node:net";
import type { ServerMessage } from "@fireside/protocol";
import WebSocket from "ws";

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request from a chosen loopback address; `body` may be streamed in chunks without a length. */
export function http(
  port: number,
  path: string,
  opts: { from?: string; method?: string; headers?: Record<string, string>; body?: Uint8Array | string; chunked?: boolean } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      method: opts.method ?? "GET",
      headers: opts.headers ?? {},
      localAddress: opts.from ?? "127.0.0.1",
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    if (opts.body !== undefined && opts.chunked) {
      const bytes = typeof opts.body === "string" ? Buffer.from(opts.body) : Buffer.from(opts.body);
      for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(opts.body);
  });
}
/** Raw bytes on a TCP connection; resolves with whatever the server answered before closing. */
export function rawTcp(port: number, bytes: string, from: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: "127.0.0.1", port, localAddress: from }, () => s.write(bytes));
    let got = "";
    s.on("data", (d) => {
      got += d;
    });
    s.on("close", () => resolve(got));
    s.on("error", () => resolve(got));
    s.setTimeout(5000, () => s.destroy());
  });
}

/** A WebSocket that opens (resolves the socket) or is refused at the upgrade (resolves the HTTP status). */
/**
 * What each socket from openSocket received, from its first byte: a refusal's error can arrive
 * with the handshake, and is emitted before a caller awaiting the open could listen for it.
 */
export const received = new WeakMap<WebSocket, { messages: ServerMessage[]; closed: Promise<number> }>();

export function openSocket(port: number, path: string, from: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { localAddress: from, headers });
    const messages: ServerMessage[] = [];
    ws.on("message", (d, binary) => {
      if (!binary) messages.push(JSON.parse(d.toString()));
    });
    received.set(ws, { messages, closed: new Promise((r) => ws.once("close", r)) });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once("error", reject);
  });
}

export const closeOf = (ws: WebSocket) =>
  new Promise<{ code: number; messages: { type: string; code?: string }[] }>((resolve) => {
    const messages: { type: string; code?: string }[] = [];
    ws.on("message", (d, binary) => {
      if (!binary) messages.push(JSON.parse(d.toString()));
    });
    ws.on("close", (code) => resolve({ code, messages }));
  });
