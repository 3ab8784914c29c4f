/**
 * The app's WebSocket transport against a small stand-in pod (a test double built on `ws`): it
 * resumes the same session after a drop, stops on a wrong token that a browser only sees as close
 * 1006, and shows a pod that is loading its models as loading rather than as a lost connection.
 */

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import { Decoder } from "@evan/opus";
import { AudioCodec, decodeAudioFrame } from "@fireside/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket as NodeWebSocket, WebSocketServer } from "ws";
import { WasmOpusEncoder } from "../src/renderer/src/audio/wasm-opus";
import { CodecChoice } from "../src/renderer/src/transport/audio-codecs";
import { PodConnection } from "../src/renderer/src/transport/pod-connection";
import type { ConnectionStatus } from "../src/renderer/src/transport/pod-transport";
import { sessionReady } from "./fake-transport";

// The transport uses the browser's WebSocket; in Node, ws's is the same API.
(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

interface StandIn {
  url: string;
  hellos: Record<string, unknown>[];
  sockets: NodeWebSocket[];
}

/** `onUpgrade` may refuse with a status; `onHello` answers each hello (or not). */
async function standInPod(opts: {
  refuseUpgrade?: (req: IncomingMessage) => number | null;
  onHello: (ws: NodeWebSocket, hello: Record<string, unknown>, n: number) => void;
  rest?: (req: IncomingMessage) => number;
}): Promise<StandIn> {
  const http: Server = createServer((req, res) => res.writeHead(opts.rest?.(req) ?? 200, { "Content-Type": "application/json" }).end("{}"));
  const wss = new WebSocketServer({ noServer: true });
  const s: StandIn = { url: "", hellos: [], sockets: [] };
  http.on("upgrade", (req, socket: Socket, head) => {
    const status = opts.refuseUpgrade?.(req);
    if (status) return void socket.end(`HTTP/1.1 ${status} No\r\nContent-Length: 0\r\n\r\n`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      s.sockets.push(ws);
      ws.on("message", (d, binary) => {
        if (binary) return; // audio: a test listens for it itself
        const m = JSON.parse(d.toString());
        if (m.type === "session.hello") {
          s.hellos.push(m);
          opts.onHello(ws, m, s.hellos.length);
        }
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  closers.push(() => {
    for (const c of wss.clients) c.terminate();
    http.close();
  });
  s.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/v1/realtime`;
  return s;
}

const ready = (n: number) => JSON.stringify(sessionReady(n));

function connect(url: string, token = "right", opusMic: (() => Promise<WasmOpusEncoder>) | null = null) {
  const statuses: { status: ConnectionStatus; notice: string | null }[] = [];
  let onStatus: () => void = () => {};
  const conn = new PodConnection(
    {
      url,
      token,
      hello: () => ({ protocols: ["fireside.v1"] }),
      onMessage: () => {},
      onAudio: () => {},
      onStatus: (status, notice) => {
        statuses.push({ status, notice });
        onStatus();
      },
      onRtt: () => {},
    },
    new CodecChoice(undefined, opusMic),
  );
  closers.push(() => conn.close());
  conn.connect();
  const until = (pred: (s: { status: ConnectionStatus; notice: string | null }) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (statuses.some(pred)) resolve();
      };
      onStatus = check;
      check();
    });
  return { conn, statuses, until };
}

const opusWasm = readFileSync(createRequire(import.meta.url).resolve("@evan/opus/wasm/opus.wasm"));
const wasmMic = () => WasmOpusEncoder.create(16000, 24_000, 20, opusWasm);

describe("PodConnection", () => {
  it("a pod never reached since Start is 'unreachable', naming its address; one that drops is 'reconnecting'", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = connect(`ws://127.0.0.1:${port}/v1/realtime`);
    await c.until((s) => s.status === "unreachable");
    await c.until((s) => s.status === "unreachable" && /Trying again in/.test(s.notice ?? ""));
    // Nothing answers HTTP there either: the app says so (it is not running, or not at this address).
    expect(c.statuses.find((s) => /Trying again in/.test(s.notice ?? ""))?.notice).toMatch(
      new RegExp(`^Nothing answers at 127\\.0\\.0\\.1:${port}\\. Trying again in \\d+ s…$`),
    );
    expect(c.statuses.map((s) => s.status)).not.toContain("reconnecting");
    c.conn.close();
  });

  it("a pod that answers at another path is 'wrong-address' (its realtime path named), not unreachable, and is not retried", async () => {
    let upgrades = 0;
    const pod = await standInPod({
      refuseUpgrade: (req) => {
        upgrades++;
        return req.url?.startsWith("/v1/realtime?") ? null : 404;
      },
      onHello: () => {},
    });
    const c = connect(pod.url.replace(/realtime$/, "realtim"));
    await c.until((s) => s.status === "wrong-address");
    expect(c.statuses.at(-1)?.notice).toBe(
      `The pod at ${new URL(pod.url).host} answers, but not at /v1/realtim: its realtime address ends in /v1/realtime.`,
    );
    expect(c.statuses.map((s) => s.status)).not.toContain("unreachable");
    expect(upgrades).toBe(1);
  });

  it("a pod that needs a token the app does not have says so, not that the token is wrong", async () => {
    const pod = await standInPod({ refuseUpgrade: () => 401, rest: (req) => (req.headers.authorization ? 200 : 401), onHello: () => {} });
    const c = connect(pod.url, "");
    await c.until((s) => s.status === "refused");
    expect(c.statuses.at(-1)?.notice).toMatch(/needs a token \(its FIRESIDE_TOKEN\)\. Put it in Settings\./);
  });

  it("offers an Opus microphone and sends Opus packets when the pod takes them, PCM when it keeps PCM", async () => {
    for (const input of ["opus", "pcm_s16le"] as const) {
      const frames: Uint8Array[] = [];
      const pod = await standInPod({
        onHello: (ws, _h, n) => {
          ws.on("message", (d, binary) => {
            if (binary) frames.push(new Uint8Array(d as Buffer));
          });
          ws.send(
            JSON.stringify(
              sessionReady(n, { audio: { input: { codec: input, sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } } }),
            ),
          );
        },
      });
      const c = connect(pod.url, "right", wasmMic);
      await c.until((s) => s.status === "connected");
      expect(pod.hellos[0]).toMatchObject({ audio: { input: { codec: "opus", sampleRate: 16000 } } });
      c.conn.sendAudio(new Int16Array(320).fill(1000));
      c.conn.sendAudio(new Int16Array(120).fill(1000)); // an utterance's short last frame
      for (let i = 0; i < 200 && frames.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const decoded = frames.map((f) => decodeAudioFrame(f));
      if (input === "opus") {
        expect(decoded.map((f) => f.codec)).toEqual([AudioCodec.Opus, AudioCodec.Opus]);
        const dec = new Decoder({ channels: 1, sample_rate: 16000 });
        for (const f of decoded) if (f.codec === AudioCodec.Opus) expect(dec.decode(f.packet).byteLength).toBe(640);
        expect(decoded.map((f) => f.sampleOffset)).toEqual([0, 320]);
      } else {
        expect(decoded.map((f) => f.codec)).toEqual([AudioCodec.PcmS16le, AudioCodec.PcmS16le]);
      }
      c.conn.close();
    }
  });

  it("after a drop it reconnects with the resume token, and after a new conversation starts, names it", async () => {
    const pod = await standInPod({
      onHello: (ws, _h, n) => {
        ws.send(ready(n));
        if (n === 1) {
          ws.send(JSON.stringify({ type: "conversation.started", conversationId: "conv_abc" }));
          setImmediate(() => ws.terminate()); // the network drops
        }
      },
    });
    const c = connect(pod.url);
    await c.until((s) => s.status === "reconnecting");
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (pod.hellos.length >= 2 && c.conn.isReady) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    expect(pod.hellos[0]).not.toHaveProperty("resume");
    expect(pod.hellos[1]).toMatchObject({ resume: "token-1", conversationId: "conv_abc", token: "right" });
  });

  it("stops on a wrong token refused at the upgrade (seen as close 1006) and says so", async () => {
    const pod = await standInPod({
      refuseUpgrade: () => 401,
      rest: (req) => (req.headers.authorization === "Bearer right" ? 200 : 401),
      onHello: () => {},
    });
    const c = connect(pod.url, "wrong");
    await c.until((s) => s.status === "refused" && /refused the token/.test(s.notice ?? ""));
    expect(c.statuses.filter((s) => s.status === "reconnecting")).toEqual([]);
  });

  it("a pod that closes with 4401 (token refused in the hello) is 'refused'; 4409 (taken over) only stops", async () => {
    for (const [code, status, notice] of [
      [4401, "refused", /refused the token/],
      [4409, "disconnected", /continued in another window/],
    ] as const) {
      const pod = await standInPod({ onHello: (ws) => ws.close(code, "bye") });
      const c = connect(pod.url, "wrong");
      await c.until((s) => s.status === status && notice.test(s.notice ?? ""));
      expect(c.statuses.map((s) => s.status)).not.toContain("reconnecting");
    }
  });

  it("waits as long as the pod says when the address is blocked for wrong tokens", async () => {
    let upgrades = 0;
    const pod = await standInPod({
      refuseUpgrade: () => {
        upgrades++;
        return 429;
      },
      rest: () => 429, // no Retry-After: the app waits the pod's default block, a minute
      onHello: () => {},
    });
    const c = connect(pod.url, "right");
    await c.until((s) => s.status === "reconnecting" && /Too many wrong tokens/.test(s.notice ?? ""));
    const waiting = c.statuses.find((s) => /Too many wrong tokens/.test(s.notice ?? ""))!;
    expect(waiting.notice).toMatch(/Trying again in 60 s/);
    // It waits instead of retrying: one attempt, no backoff loop behind the notice.
    expect(upgrades).toBe(1);
    expect(c.statuses.filter((s) => s.status === "connecting" || /attempt/.test(s.notice ?? ""))).toHaveLength(1);
  });

  it("shows a pod that is loading its models as loading, then connects when it is ready", async () => {
    const pod = await standInPod({
      onHello: (ws, _h, n) => {
        if (n === 1) {
          ws.send(JSON.stringify({ type: "error", code: "E_BUSY", message: "models are still loading; retry", retryable: true }));
          ws.close(1013, "E_BUSY");
        } else ws.send(ready(n));
      },
    });
    const c = connect(pod.url);
    await c.until((s) => s.status === "loading");
    await c.until((s) => s.status === "connected");
    expect(c.statuses.map((s) => s.status)).not.toContain("reconnecting");
  });
});
