/**
 * Bad input against the real server process: each case gets a typed error or a clean close,
 * and the server keeps serving other clients.
 */
import { helloMessage } from "@fireside/client";
import { AUDIO_HEADER_BYTES, LIMITS, PROTOCOL_VERSION } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { RealtimeClient } from "../support/realtime-client.js";

const TOKEN = "test-token-123";
let pod: PodProcess;

beforeAll(async () => {
  pod = await startPod({ FIRESIDE_TOKEN: TOKEN });
});
afterAll(async () => {
  await pod?.stop();
});

const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

async function readyClient(): Promise<RealtimeClient> {
  const c = await RealtimeClient.connect(pod.wsUrl, auth);
  await c.hello();
  return c;
}

async function errorAfter(c: RealtimeClient, act: () => void) {
  const from = c.messages.length;
  act();
  return (await c.waitFor("error", { from, timeoutMs: 10_000 })).value;
}

/** The socket still works: a ping is answered. */
async function stillServes(c: RealtimeClient) {
  const from = c.messages.length;
  c.send({ type: "ping", id: 99, t: 1 });
  await c.waitFor("pong", { from, timeoutMs: 5000 });
}

describe("auth and negotiation", () => {
  it("refuses a wrong token at the upgrade with HTTP 401", async () => {
    await expect(RealtimeClient.connect(pod.wsUrl, { headers: { Authorization: "Bearer nope" } })).rejects.toThrow(/401/);
  });

  it("refuses a hello without a token with E_AUTH and closes", async () => {
    const c = await RealtimeClient.connect(pod.wsUrl);
    c.send(helloMessage());
    const err = (await c.waitFor("error")).value;
    expect(err).toMatchObject({ code: "E_AUTH", retryable: false });
    await new Promise((r) => c.ws.once("close", r));
    expect(c.closeCode).toBe(4401);
  });

  it("accepts the token as a query parameter (browsers cannot set headers)", async () => {
    const c = await RealtimeClient.connect(`${pod.wsUrl}?token=${TOKEN}`);
    expect((await c.hello()).protocol).toBe(PROTOCOL_VERSION);
    c.close();
  });

  it("refuses an unknown protocol version with E_PROTOCOL_VERSION", async () => {
    const c = await RealtimeClient.connect(pod.wsUrl, auth);
    c.send(helloMessage({ protocols: ["fireside.v9"] }));
    expect((await c.waitFor("error")).value.code).toBe("E_PROTOCOL_VERSION");
    await new Promise((r) => c.ws.once("close", r));
    expect(c.closeCode).toBe(4400);
  });
});

describe("malformed frames keep the session open with a typed error", () => {
  it("audio before hello → E_NOT_READY, then hello still works", async () => {
    const c = await RealtimeClient.connect(pod.wsUrl, auth);
    const err = await errorAfter(c, () => c.sendAudioFrame(new Int16Array(320), 16000));
    expect(err).toMatchObject({ code: "E_NOT_READY", retryable: true });
    const err2 = await errorAfter(c, () => c.send({ type: "input.audio.commit" }));
    expect(err2.code).toBe("E_NOT_READY");
    await c.hello();
    c.close();
  });

  it("bad JSON → E_BAD_JSON; unknown type or bad field → E_BAD_MESSAGE", async () => {
    const c = await readyClient();
    expect((await errorAfter(c, () => c.ws.send("{not json"))).code).toBe("E_BAD_JSON");
    expect((await errorAfter(c, () => c.ws.send('{"type":"launch.rockets"}'))).code).toBe("E_BAD_MESSAGE");
    expect((await errorAfter(c, () => c.ws.send('{"type":"response.interrupt","responseId":"r","playedSamples":-5}'))).code).toBe(
      "E_BAD_MESSAGE",
    );
    await stillServes(c);
    c.close();
  });

  it("truncated header, unknown kind, odd payload → E_BAD_FRAME", async () => {
    const c = await readyClient();
    expect((await errorAfter(c, () => c.ws.send(new Uint8Array(7)))).code).toBe("E_BAD_FRAME");
    const frame = new Uint8Array(AUDIO_HEADER_BYTES + 4);
    const v = new DataView(frame.buffer);
    v.setUint8(0, 9);
    v.setUint8(1, 1);
    v.setUint32(12, 16000, true);
    expect((await errorAfter(c, () => c.ws.send(frame))).code).toBe("E_BAD_FRAME");
    v.setUint8(0, 2); // output audio is the server's to send
    expect((await errorAfter(c, () => c.ws.send(frame))).code).toBe("E_BAD_FRAME");
    v.setUint8(0, 1);
    expect((await errorAfter(c, () => c.ws.send(frame.subarray(0, AUDIO_HEADER_BYTES + 3)))).code).toBe("E_BAD_FRAME");
    await stillServes(c);
    c.close();
  });

  it("a sample rate other than the negotiated one → E_AUDIO_FORMAT", async () => {
    const c = await readyClient();
    const err = await errorAfter(c, () => c.sendAudioFrame(new Int16Array(882), 44100));
    expect(err.code).toBe("E_AUDIO_FORMAT");
    expect(err.message).toMatch(/44100.*16000/);
    await stillServes(c);
    c.close();
  });

  it("oversize frames → E_FRAME_TOO_LARGE; a frame past the socket limit closes with 1009", async () => {
    const c = await readyClient();
    expect((await errorAfter(c, () => c.ws.send(new Uint8Array(AUDIO_HEADER_BYTES + LIMITS.maxAudioPayloadBytes + 2)))).code).toBe(
      "E_FRAME_TOO_LARGE",
    );
    const bigText = JSON.stringify({ type: "input.text", text: "x".repeat(LIMITS.maxTextFrameBytes) });
    expect((await errorAfter(c, () => c.ws.send(bigText))).code).toBe("E_FRAME_TOO_LARGE");
    await stillServes(c);
    c.ws.send(new Uint8Array(2 * 1024 * 1024));
    await new Promise((r) => c.ws.once("close", r));
    expect(c.closeCode).toBe(1009);
    const other = await readyClient();
    await stillServes(other);
    other.close();
  });

  it("committing silence → E_NO_SPEECH, not a reply", async () => {
    const c = await readyClient();
    const err = await errorAfter(c, () => c.send({ type: "input.audio.commit" }));
    expect(err.code).toBe("E_NO_SPEECH");
    expect(c.of("response.created")).toHaveLength(0);
    c.close();
  });
});

describe("a client that vanishes mid-reply", () => {
  it("cancels its turn and the server keeps serving others", async () => {
    const c = await readyClient();
    c.send({ type: "input.text", text: "Tell me about the history of bread in several sentences." });
    await c.waitFor("response.audio.started", { timeoutMs: 60_000 });
    c.terminate();

    const other = await readyClient();
    other.send({ type: "input.text", text: "Say hello." });
    const done = await other.waitFor("response.completed", { timeoutMs: 90_000 });
    expect(done.value.status).toBe("completed");
    expect(other.frames.length).toBeGreaterThan(0);
    other.close();

    const prom = await (await fetch(`${pod.url}/metrics`, auth)).text();
    expect(prom).toMatch(/fireside_turns_total\{status="cancelled"\} [1-9]/);
    expect(await (await fetch(`${pod.url}/health`)).json()).toMatchObject({ status: "ok" });
  });
});

describe("HTTP endpoints", () => {
  it("/ready lists the loaded engines; unknown paths are 404; WebSocket elsewhere is refused", async () => {
    const ready = await fetch(`${pod.url}/ready`);
    expect(ready.status).toBe(200);
    const { engines } = await ready.json();
    expect(engines.tts.name).toBe("piper");
    expect(engines.speaker).toEqual({ name: "ge2e", model: "resemblyzer-ge2e", device: "cpu" });
    expect((await fetch(`${pod.url}/nope`)).status).toBe(404);
    const ws = new WebSocket(`ws://127.0.0.1:${pod.port}/elsewhere`);
    await expect(new Promise((_, reject) => ws.once("error", reject))).rejects.toThrow();
  });
});
