import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
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
