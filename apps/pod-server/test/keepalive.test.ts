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

const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));

async function pollUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe("keepAlive", () => {
  it("keeps a peer that answers pings, and drops one that does not", async () => {
    const { url, seen } = await serve(250);
    const live = new WebSocket(url); // answers protocol pings itself
    const dead = new WebSocket(url, { autoPong: false });
    closers.push(() => live.terminate());
    let liveClosed: number | null = null;
    live.on("close", (code) => {
      liveClosed = code;
    });
    expect(await closed(dead)).toBe(1006); // terminated, no close handshake
    // The peer that answers outlives several more rounds of pings.
    const pingsAtDeath = seen.pings;
    await pollUntil(() => seen.pings >= pingsAtDeath + 4);
    expect(liveClosed).toBeNull();
    expect(live.readyState).toBe(WebSocket.OPEN);
  });
});
