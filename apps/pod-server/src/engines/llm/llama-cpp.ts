/**
 * Embedded LLM through node-llama-cpp (llama.cpp). One model, a context with a few sequences;
 * each generation borrows a sequence so concurrent sessions never share KV cache.
 */
import { type ChatHistoryItem, getLlama, LlamaChat, type LlamaContextSequence } from "node-llama-cpp";
import { AsyncQueue } from "../../streams/async-queue.js";
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";

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

export async function createLlamaCpp(opts: LlamaCppOptions): Promise<LlmEngine> {
  const llama = await getLlama({ gpu: opts.gpu ? "auto" : false, build: "never", progressLogs: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: opts.modelPath });
  const context = await model.createContext({ contextSize: opts.contextSize, sequences: opts.parallel, threads: opts.threads });
  const free: LlamaContextSequence[] = Array.from({ length: opts.parallel }, () => context.getSequence());
  const waiters: ((s: LlamaContextSequence) => void)[] = [];
  const acquire = () => (free.length ? Promise.resolve(free.pop()!) : new Promise<LlamaContextSequence>((r) => waiters.push(r)));
  const release = (s: LlamaContextSequence) => {
    const w = waiters.shift();
    if (w) w(s);
    else free.push(s);
  };

  return {
    info: { name: "llama-cpp", model: opts.modelName, device: opts.gpu ? "cuda" : "cpu" },
    stream(messages, { signal, maxTokens = 200, temperature = 0.7 }) {
      const out = new AsyncQueue<string>();
      void (async () => {
        const seq = await acquire();
        try {
          if (signal.aborted) return;
          const chat = new LlamaChat({ contextSequence: seq, autoDisposeSequence: false });
          try {
            await chat.generateResponse(toHistory(messages), {
              signal,
              stopOnAbortSignal: true,
              maxTokens,
              temperature,
              // Small models loop ("la Châteaume, la Châteaume, …") without it.
              repeatPenalty: { lastTokens: 64, penalty: 1.15, frequencyPenalty: 0.1 },
              onTextChunk: (text) => out.push(text),
            });
          } finally {
            chat.dispose({ disposeSequence: false });
          }
          out.end();
        } catch (err) {
          out.end(signal.aborted ? undefined : new EngineError("llm", (err as Error).message));
        } finally {
          out.end();
          release(seq);
        }
      })();
      return out;
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
