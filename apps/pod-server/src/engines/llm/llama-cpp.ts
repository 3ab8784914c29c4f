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
 *   the whole history again — which cost 5–9 s a turn on one core once a talk passed 20 turns;
 * - `prefill` evaluates the next prompt up to the user's words while the user speaks: the persona
 *   on a conversation's first turn, else the end of the last reply as heard and the next user
 *   turn's opening markers.
 */
import { type ChatHistoryItem, getLlama, LlamaChat, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { AsyncQueue } from "../../streams/async-queue.js";
import { type ChatMessage, EngineError, type LlmEngine } from "../types.js";
import { SlotPool } from "./slot-pool.js";

/** How long a warm-up waits for the LLM to go idle before it gives up. */
const PREFILL_WAIT_MS = 500;

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
): Promise<LlmEngine & { promptTokens(): { reused: number; evaluated: number }; inputTokensEvaluated(): number }> {
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

  const render = (slot: Slot, history: ChatHistoryItem[]) =>
    slot.chat.chatWrapper
      .generateContextState({ chatHistory: [...history, { type: "model", response: [] }] })
      .contextText.tokenize(model.tokenizer);

  /**
   * Cuts turns that left the prompt's window out of the slot's cache (a shift, not a
   * re-evaluation) when the slot still holds this conversation; returns how many of `tokens`
   * the cache already holds.
   */
  const alignCache = async (slot: Slot, tokens: readonly Token[], sameOwner: boolean) => {
    const range = sameOwner ? droppedRange(slot.sequence.contextTokens, tokens) : null;
    if (range) await slot.sequence.eraseContextTokenRanges([range]);
    return slot.sequence.compareContextTokens([...tokens]).firstDifferentIndex;
  };

  /** Per conversation, the warm-up evaluating now; its turn waits for it rather than take another slot. */
  const evaluating = new Map<string, Promise<void>>();
  /** Per conversation, the warm-up waiting for the LLM to go idle; a newer one replaces it, its turn removes it. */
  const waiting = new Map<string, object>();

  const prefill = async (messages: ChatMessage[], cacheKey: string) => {
    const mine = {};
    waiting.set(cacheKey, mine);
    // A reply that was just stopped may still hold its sequence for a moment: wait for the LLM to
    // go idle (not long: then another conversation is generating, and a warm-up would slow it).
    await Promise.race([pool.idle(), new Promise((r) => setTimeout(r, PREFILL_WAIT_MS).unref())]);
    if (waiting.get(cacheKey) !== mine) return;
    waiting.delete(cacheKey); // entries live only while a warm-up waits: nothing stays per session
    const slot = pool.tryAcquireSpare(cacheKey);
    if (!slot) return;
    const run = (async () => {
      // What the prompt holds whatever the user says: the common prefix of two renderings.
      const withText = (text: string) => render(slot, toHistory([...messages.slice(0, -1), { role: "user", content: text }]));
      const [a, b] = [withText("a"), withText("b")];
      let n = 0;
      while (n < a.length && n < b.length && a[n] === b[n]) n++;
      const reused = await alignCache(slot, a.slice(0, n), slot.owner === cacheKey);
      const next = slot.sequence.nextTokenIndex;
      if (reused < next) await slot.sequence.eraseContextTokenRanges([{ start: reused, end: next }]);
      if (reused < n) await slot.sequence.evaluateWithoutGeneratingNewTokens(a.slice(reused, n));
    })().finally(() => pool.release(slot, cacheKey));
    evaluating.set(
      cacheKey,
      run.catch(() => {}),
    );
    try {
      await run;
    } finally {
      evaluating.delete(cacheKey);
    }
  };

  return {
    promptTokens: () => ({ ...promptTokens }),
    /** Input tokens llama.cpp evaluated over every sequence (its own meter, prefills included). */
    inputTokensEvaluated: () => slots.reduce((n, s) => n + s.sequence.tokenMeter.usedInputTokens, 0),
    info: { name: "llama-cpp", model: opts.modelName, device: llama.gpu === "cuda" ? "cuda" : "cpu" },
    prefill: (messages, { cacheKey }) => prefill(messages, cacheKey).catch(() => {}),
    stream(messages, { signal, maxTokens = 200, temperature = 0.7, cacheKey }) {
      const out = new AsyncQueue<string>();
      void (async () => {
        if (cacheKey) {
          waiting.delete(cacheKey); // the turn is here: a warm-up still waiting is not wanted
          await evaluating.get(cacheKey);
        }
        const slot = await pool.acquire(cacheKey);
        try {
          if (signal.aborted) return;
          const history = toHistory(messages);
          const tokens = render(slot, history);
          const reused = await alignCache(slot, tokens, slot.owner === cacheKey);
          promptTokens.reused += reused;
          promptTokens.evaluated += tokens.length - reused;
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
