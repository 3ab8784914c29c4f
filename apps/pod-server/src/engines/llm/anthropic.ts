/**
 * Streaming client for Anthropic's Messages API (POST {baseUrl}/v1/messages, stream: true):
 * the system prompt goes top-level, text arrives in content_block_delta events.
 */
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";
import { postSse } from "./sse-stream.js";

export interface AnthropicOptions {
  apiKey: string;
  model: string;
  baseUrl?: string;
}

type Event = { type: string; delta?: { type?: string; text?: string }; error?: { message?: string } };

export function createAnthropic(opts: AnthropicOptions): LlmEngine {
  const url = `${(opts.baseUrl ?? "https://api.anthropic.com").replace(/\/+$/, "")}/v1/messages`;
  return {
    info: { name: "anthropic", model: opts.model, device: "remote" },
    async *stream(messages: ChatMessage[], { signal, maxTokens = 200, temperature = 0.7 }) {
      const system = messages
        .filter((m) => m.role === "system")
        .map((m) => m.content)
        .join("\n\n");
      const turns = messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role, content: m.content }));
      const headers = { "x-api-key": opts.apiKey, "anthropic-version": "2023-06-01" };
      const body = { model: opts.model, system, messages: turns, max_tokens: maxTokens, temperature, stream: true };
      for await (const raw of postSse(url, headers, body, signal)) {
        const ev = raw as Event;
        if (ev.type === "content_block_delta" && ev.delta?.type === "text_delta" && ev.delta.text) yield ev.delta.text;
        else if (ev.type === "error") throw new EngineError("llm", ev.error?.message ?? "stream error");
        else if (ev.type === "message_stop") return;
      }
    },
    async close() {},
  };
}
