/**
 * Streaming client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama,
 * OpenAI): POST {baseUrl}/chat/completions with stream: true.
 */
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";
import { postSse } from "./sse-stream.js";

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Where the endpoint computes: `cuda` for the pod's own vLLM, otherwise unknown (`remote`). */
  device?: "cpu" | "cuda" | "remote";
}

type Chunk = { choices?: { delta?: { content?: string } }[]; error?: { message?: string } };

export function createOpenAiCompatible(opts: OpenAiCompatibleOptions): LlmEngine {
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  return {
    info: { name: "openai-compatible", model: opts.model, device: opts.device ?? "remote" },
    async *stream(messages: ChatMessage[], { signal, maxTokens = 200, temperature = 0.7 }) {
      const headers: Record<string, string> = opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {};
      const body = { model: opts.model, messages, stream: true, max_tokens: maxTokens, temperature };
      for await (const ev of postSse(url, headers, body, signal)) {
        const chunk = ev as Chunk;
        if (chunk.error) throw new EngineError("llm", chunk.error.message ?? "stream error");
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) yield delta;
      }
    },
    async close() {},
  };
}

/** Throws unless the endpoint answers GET {baseUrl}/models within `timeoutMs` (checked once, at load). */
export async function checkOpenAiCompatible(opts: Pick<OpenAiCompatibleOptions, "baseUrl" | "apiKey">, timeoutMs = 5000): Promise<void> {
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/models`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new Error(`the LLM endpoint ${url} did not answer (${(err as Error).message})`);
  }
  if (!res.ok) throw new Error(`the LLM endpoint ${url} answered HTTP ${res.status}`);
}
