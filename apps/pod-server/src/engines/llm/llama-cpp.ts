/**
 * Embedded LLM through node-llama-cpp (llama.cpp). One model, a context with a few sequences;
 * each generation borrows a sequence so concurrent sessions never share KV cache.
 *
 * Two things keep the first token fast (measured with SmolLM2-135M on 2 cores):
 * - each sequence keeps one `LlamaChat` for its lifetime: constructing one costs ~800 ms (chat
 *   template resolution), reusing it costs nothing;
 * - a conversation goes back to the sequence it used last, whose KV cache still holds its persona
 *   and history, so llama.cpp evaluates only the new turn (the chat reuses the longest common prefix).
 */
import { type ChatHistoryItem, getLlama, LlamaChat, type LlamaContextSequence } from "node-llama-cpp";
import { AsyncQueue } from "../../streams/async-queue.js";
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";
import { SlotPool } from "./slot-pool.js";

export interface LlamaCppOptions {
  modelPath: string;
  modelName: string;
  threads: number;
  contextSize: number;
  /** Generations that can run at once (each holds a KV-cache sequence). */
  parallel: number;
  gpu: boolean;
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m) =>
    m.role === "system"
      ? { type: "system", text: m.content }
      : m.role === "user"
        ? { type: "user", text: m.content }
        : { type: "model", response: [m.content] },
  );
}

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  /** The conversation whose tokens the sequence's KV cache holds. */
  owner: string | undefined;
  lastUsed: number;
}

export async function createLlamaCpp(opts: LlamaCppOptions): Promise<LlmEngine> {
  const llama = await getLlama({ gpu: opts.gpu ? "auto" : false, build: "never", progressLogs: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: opts.modelPath });
  const context = await model.createContext({ contextSize: opts.contextSize, sequences: opts.parallel, threads: opts.threads });
  const slots: Slot[] = [];
  for (let i = 0; i < opts.parallel; i++) {
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    // The first generation pays one-off costs (template, graph allocation): pay them at load.
    await chat.generateResponse(toHistory([{ role: "user", content: "Hi" }]), { maxTokens: 1 });
    slots.push({ sequence, chat, owner: undefined, lastUsed: 0 });
  }
  const pool = new SlotPool(slots);

  return {
    info: { name: "llama-cpp", model: opts.modelName, device: opts.gpu ? "cuda" : "cpu" },
    stream(messages, { signal, maxTokens = 200, temperature = 0.7, cacheKey }) {
      const out = new AsyncQueue<string>();
      void (async () => {
        const slot = await pool.acquire(cacheKey);
        try {
          if (signal.aborted) return;
          await slot.chat.generateResponse(toHistory(messages), {
            signal,
            stopOnAbortSignal: true,
            maxTokens,
            temperature,
            // Small models loop ("la Châteaume, la Châteaume, …") without it.
            repeatPenalty: { lastTokens: 64, penalty: 1.15, frequencyPenalty: 0.1 },
            onTextChunk: (text) => out.push(text),
          });
          out.end();
        } catch (err) {
          out.end(signal.aborted ? undefined : new EngineError("llm", (err as Error).message));
        } finally {
          out.end();
          pool.release(slot, cacheKey);
        }
      })();
      return out;
    },
    async close() {
      for (const slot of slots) slot.chat.dispose({ disposeSequence: false });
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
