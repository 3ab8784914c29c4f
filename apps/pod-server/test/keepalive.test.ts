/** Keepalive on a real WebSocket pair: a live peer stays, a peer that never answers pings is dropped. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { keepAlive } from "../src/transport/keepalive.js";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function serve(intervalMs: number) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const seen = { pings: 0 };
  wss.on("connection", (ws) => keepAlive(ws, intervalMs, () => seen.pings++));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  closers.push(() => {
    for (const c of wss.clients) c.terminate();
    http.close();
  });
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, seen };
}

const closedWithin = (ws: WebSocket, ms: number) =>
  new Promise<number | null>((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    ws.on("close", (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });

describe("keepAlive", () => {
  it("keeps a peer that answers pings, and drops one that does not", async () => {
    const { url, seen } = await serve(250);
    const live = new WebSocket(url); // answers protocol pings itself
    const dead = new WebSocket(url, { autoPong: false });
    closers.push(() => live.terminate());
    const [liveClosed, deadClosed] = await Promise.all([closedWithin(live, 1500), closedWithin(dead, 1500)]);
    expect(liveClosed).toBeNull();
    expect(deadClosed).toBe(1006); // terminated, no close handshake
    expect(seen.pings).toBeGreaterThanOrEqual(4);
  });
});
