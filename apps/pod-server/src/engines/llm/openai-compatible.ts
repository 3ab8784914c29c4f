/**
 * Streaming client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama,
 * OpenAI): POST {baseUrl}/chat/completions with stream: true, read server-sent events.
 */
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  device?: "cpu" | "cuda";
}

export function createOpenAiCompatible(opts: OpenAiCompatibleOptions): LlmEngine {
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  return {
    info: { name: "openai-compatible", model: opts.model, device: opts.device ?? "cuda" },
    async *stream(messages: ChatMessage[], { signal, maxTokens = 200, temperature = 0.7 }) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          signal,
          headers: { "Content-Type": "application/json", ...(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {}) },
          body: JSON.stringify({ model: opts.model, messages, stream: true, max_tokens: maxTokens, temperature }),
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
            let parsed: { choices?: { delta?: { content?: string } }[]; error?: { message?: string } };
            try {
              parsed = JSON.parse(data);
            } catch {
              throw new EngineError("llm", `unparseable stream event: ${data.slice(0, 100)}`);
            }
            if (parsed.error) throw new EngineError("llm", parsed.error.message ?? "stream error");
            const delta = parsed.choices?.[0]?.delta?.content;
            if (delta) yield delta;
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
    },
    async close() {},
  };
}
