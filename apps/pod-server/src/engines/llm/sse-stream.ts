/**
 * POST a JSON body and read the server-sent events that answer it: yields each `data:` payload,
 * parsed. Network and HTTP failures become EngineError; an abort ends the stream quietly.
 * Shared by the OpenAI-compatible and Anthropic clients.
 */
import { EngineError } from "../types.js";

export async function* postSse(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): AsyncGenerator<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      signal,
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  } catch (err) {
    if (signal.aborted) return;
    throw new EngineError("llm", `cannot reach ${url}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new EngineError("llm", `${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") return;
        try {
          yield JSON.parse(data);
        } catch (err) {
          if (err instanceof SyntaxError) throw new EngineError("llm", `unparseable stream event: ${data.slice(0, 100)}`);
          throw err;
        }
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof EngineError) throw err;
    // e.g. undici's bare "terminated" when the server process dies mid-answer
    throw new EngineError("llm", `the answer from ${url} broke off (${(err as Error).message}); is the LLM server still running?`);
  }
}
