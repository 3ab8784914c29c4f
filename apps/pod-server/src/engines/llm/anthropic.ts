/**
 * Streaming client for Anthropic's Messages API (POST {baseUrl}/v1/messages, stream: true):
 * the system prompt goes top-level, text arrives in content_block_delta events.
 */
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";

export interface AnthropicOptions {
  apiKey: string;
  model: string;
  baseUrl?: string;
}

export function createAnthropic(opts: AnthropicOptions): LlmEngine {
  const url = `${(opts.baseUrl ?? "https://api.anthropic.com").replace(/\/+$/, "")}/v1/messages`;
  return {
    info: { name: "anthropic", model: opts.model, device: "cuda" },
    async *stream(messages: ChatMessage[], { signal, maxTokens = 200, temperature = 0.7 }) {
      const system = messages
        .filter((m) => m.role === "system")
        .map((m) => m.content)
        .join("\n\n");
      const turns = messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role, content: m.content }));
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          signal,
          headers: { "Content-Type": "application/json", "x-api-key": opts.apiKey, "anthropic-version": "2023-06-01" },
          body: JSON.stringify({ model: opts.model, system, messages: turns, max_tokens: maxTokens, temperature, stream: true }),
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
            const ev = JSON.parse(line.slice(5)) as {
              type: string;
              delta?: { type?: string; text?: string };
              error?: { message?: string };
            };
            if (ev.type === "content_block_delta" && ev.delta?.type === "text_delta" && ev.delta.text) yield ev.delta.text;
            else if (ev.type === "error") throw new EngineError("llm", ev.error?.message ?? "stream error");
            else if (ev.type === "message_stop") return;
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err instanceof EngineError ? err : new EngineError("llm", (err as Error).message);
      }
    },
    async close() {},
  };
}
