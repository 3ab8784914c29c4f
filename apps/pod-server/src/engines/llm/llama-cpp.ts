/**
 * Embedded LLM through node-llama-cpp (llama.cpp). One model, a context with a few sequences;
 * each generation borrows a sequence so concurrent sessions never share KV cache.
 *
 * Two things keep the first token fast (measured with SmolLM2-135M on 2 cores):
 * - each sequence keeps one `LlamaChat` for its lifetime: constructing one costs ~800 ms (chat
 *   template resolution), reusing it costs nothing;
 * - a conversation goes back to the sequence it used last, whose KV cache still holds its persona
 *   and history, so llama.cpp evaluates only the new turn (the chat reuses the longest common prefix);
 * - when the prompt's window of turns slides (the oldest turn leaves it), the left turn's tokens are
 *   cut out of the cache and the rest shifted into place (`alignCache`), instead of evaluating
 *   the whole history again — which cost 5–9 s a turn on one core once a talk passed 20 turns.
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

/**
 * Where the cache holds `prompt` with one stretch missing from it: the longest common prefix P,
 * then a gap in the cache, then at least `minRun` tokens equal to the prompt from P on. Returns
 * the gap to erase, or null when the cache is not "prompt minus some turns". The shift costs about
 * as much as evaluating a few dozen tokens (it re-rotates the whole cache), hence the minimum run.
 */
export function droppedRange<T>(cached: readonly T[], prompt: readonly T[], minRun = 48): { start: number; end: number } | null {
  let p = 0;
  while (p < cached.length && p < prompt.length && cached[p] === prompt[p]) p++;
  if (p >= cached.length || p >= prompt.length) return null;
  for (let gap = 1; p + gap < cached.length; gap++) {
    const s = p + gap;
    let run = 0;
    while (s + run < cached.length && p + run < prompt.length && cached[s + run] === prompt[p + run]) run++;
    if (run >= minRun) return { start: p, end: s };
  }
  return null;
}

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  /** The conversation whose tokens the sequence's KV cache holds. */
  owner: string | undefined;
  lastUsed: number;
}

export async function createLlamaCpp(
  opts: LlamaCppOptions,
): Promise<LlmEngine & { promptTokens(): { reused: number; evaluated: number } }> {
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

  /** Prompt tokens found in a slot's cache and prompt tokens left to evaluate, over all generations. */
  const promptTokens = { reused: 0, evaluated: 0 };

  /**
   * Cuts turns that left the prompt's window out of the slot's cache (a shift, not a
   * re-evaluation) when the slot still holds this conversation; counts what is reused.
   */
  const alignCache = async (slot: Slot, history: ChatHistoryItem[], sameOwner: boolean) => {
    const { contextText } = slot.chat.chatWrapper.generateContextState({ chatHistory: [...history, { type: "model", response: [] }] });
    const tokens = contextText.tokenize(model.tokenizer);
    const range = sameOwner ? droppedRange(slot.sequence.contextTokens, tokens) : null;
    if (range) await slot.sequence.eraseContextTokenRanges([range]);
    const reused = slot.sequence.compareContextTokens(tokens).firstDifferentIndex;
    promptTokens.reused += reused;
    promptTokens.evaluated += tokens.length - reused;
  };

  return {
    promptTokens: () => ({ ...promptTokens }),
    info: { name: "llama-cpp", model: opts.modelName, device: opts.gpu ? "cuda" : "cpu" },
    stream(messages, { signal, maxTokens = 200, temperature = 0.7, cacheKey }) {
      const out = new AsyncQueue<string>();
      void (async () => {
        const slot = await pool.acquire(cacheKey);
        try {
          if (signal.aborted) return;
          const history = toHistory(messages);
          await alignCache(slot, history, slot.owner === cacheKey);
          await slot.chat.generateResponse(history, {
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
