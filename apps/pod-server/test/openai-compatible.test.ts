/** The OpenAI-compatible and Anthropic LLM clients against stand-in servers. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createAnthropic } from "../src/engines/llm/anthropic.js";
import { createOpenAiCompatible } from "../src/engines/llm/openai-compatible.js";
import { EngineError } from "../src/engines/types.js";

// A loopback HTTP server standing in for vLLM/OpenAI: a test double of the remote endpoint,
// so the client's real streaming, error and cancellation paths run.
let server: Server | null = null;
afterEach(() => server?.close());

function fakeEndpoint(handler: (body: unknown, res: import("node:http").ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => {
      raw += d;
    });
    req.on("end", () => handler(JSON.parse(raw), res));
  });
  return new Promise((resolve) =>
    server!.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1`)),
  );
}

const collect = async (it: AsyncIterable<string>) => {
  let s = "";
  for await (const d of it) s += d;
  return s;
};

describe("OpenAI-compatible LLM client", () => {
  it("streams deltas from server-sent events, split across network chunks", async () => {
    let seen: { stream?: boolean; model?: string; messages?: unknown[] } = {};
    const url = await fakeEndpoint((body, res) => {
      seen = body as typeof seen;
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      const events = ["Hel", "lo", " there"].map((d) => `data: ${JSON.stringify({ choices: [{ delta: { content: d } }] })}\n\n`).join("");
      const all = `${events}data: [DONE]\n\n`;
      res.write(all.slice(0, 17));
      setTimeout(() => res.end(all.slice(17)), 10);
    });
    const llm = createOpenAiCompatible({ baseUrl: url, model: "m1", apiKey: "k" });
    expect(await collect(llm.stream([{ role: "user", content: "hi" }], { signal: new AbortController().signal }))).toBe("Hello there");
    expect(seen).toMatchObject({ stream: true, model: "m1", messages: [{ role: "user", content: "hi" }] });
  });
  it("says the answer broke off when the server dies mid-stream", async () => {
    const base = await fakeEndpoint((_b, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "Hel" } }] })}\n\n`);
      setTimeout(() => res.socket?.destroy(), 20); // the server process crashed
    });
    const llm = createOpenAiCompatible({ baseUrl: base, model: "m" });
    const err = await collect(llm.stream([], { signal: new AbortController().signal })).catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/answer from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions broke off/);
  });

  it("turns HTTP errors into EngineError", async () => {
    const url = await fakeEndpoint((_b, res) => res.writeHead(503).end("overloaded"));
    const llm = createOpenAiCompatible({ baseUrl: url, model: "m" });
    await expect(collect(llm.stream([], { signal: new AbortController().signal }))).rejects.toThrow(EngineError);
  });
  it("stops quietly when aborted mid-stream", async () => {
    const url = await fakeEndpoint((_b, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "a" } }] })}\n\n`);
    });
    const llm = createOpenAiCompatible({ baseUrl: url, model: "m" });
    const ac = new AbortController();
    let got = "";
    for await (const d of llm.stream([], { signal: ac.signal })) {
      got += d;
      ac.abort();
    }
    expect(got).toBe("a");
  });
});

describe("Anthropic Messages client", () => {
  it("sends the system prompt top-level and streams text deltas", async () => {
    let seen: { system?: string; messages?: unknown[]; stream?: boolean } = {};
    const base = await fakeEndpoint((body, res) => {
      seen = body as typeof seen;
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      const ev = (e: unknown) => `event: x\ndata: ${JSON.stringify(e)}\n\n`;
      res.end(
        ev({ type: "message_start" }) +
          ev({ type: "content_block_delta", delta: { type: "text_delta", text: "Bon" } }) +
          ev({ type: "content_block_delta", delta: { type: "text_delta", text: "jour" } }) +
          ev({ type: "message_stop" }),
      );
    });
    const llm = createAnthropic({ apiKey: "k", model: "claude-x", baseUrl: base.replace(/\/v1$/, "") });
    const text = await collect(
      llm.stream(
        [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello" },
        ],
        { signal: new AbortController().signal },
      ),
    );
    expect(text).toBe("Bonjour");
    expect(seen).toMatchObject({ system: "Be brief.", messages: [{ role: "user", content: "Hello" }], stream: true });
  });
  it("reports stream errors as EngineError", async () => {
    const base = await fakeEndpoint((_b, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.end(`data: ${JSON.stringify({ type: "error", error: { message: "overloaded" } })}\n\n`);
    });
    const llm = createAnthropic({ apiKey: "k", model: "m", baseUrl: base.replace(/\/v1$/, "") });
    await expect(collect(llm.stream([], { signal: new AbortController().signal }))).rejects.toThrow(/overloaded/);
  });
});
