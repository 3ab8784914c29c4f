/** llama.cpp's prompt window and KV cache across turns. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLlamaCpp, droppedRange } from "../src/engines/llm/llama-cpp.js";
import type { ChatMessage } from "../src/engines/types.js";
import { defaultModelsDir } from "../src/models/cache-dir.js";
import { windowStart } from "../src/session/conversation-history.js";

describe("the prompt's window of turns", () => {
  it("keeps at most maxTurns exchanges and moves in blocks of half of them", () => {
    const starts = Array.from({ length: 60 }, (_, n) => windowStart(n, 10));
    for (const [n, s] of starts.entries()) {
      expect(n - s).toBeLessThanOrEqual(20);
      if (n > 20) expect(n - s).toBeGreaterThanOrEqual(10);
    }
    // Over the 39 messages after the window first fills, the prompt's first message changes 4 times, not 39.
    expect(new Set(starts.slice(21)).size).toBe(4);
  });
});

describe("a cache holding the prompt minus the turns that left it", () => {
  it("finds the stretch to cut, and nothing when the cache is not that", () => {
    const prompt = [1, 2, 3, 20, 21, 22, 23, 24];
    expect(droppedRange([1, 2, 3, 10, 11, 12, 20, 21, 22, 23, 24, 90], prompt, 4)).toEqual({ start: 3, end: 6 });
    expect(droppedRange([1, 2, 3, 20, 21, 22, 23], prompt, 4)).toBeNull(); // a plain prefix: nothing to cut
    expect(droppedRange([1, 2, 3, 10, 11, 12, 13, 14], prompt, 4)).toBeNull(); // a different conversation
    // Too short a run after the gap is not worth a shift of the whole cache.
    expect(droppedRange([1, 2, 3, 10, 11, 20, 21, 22], prompt, 4)).toBeNull();
  });
});

const model = join(defaultModelsDir(), "smollm2-135m", "SmolLM2-135M-Instruct.Q4_1.gguf");
/** SmolLM2 on one thread with two KV-cache sequences, as the pod runs it on two cores. */
const smollm = () =>
  createLlamaCpp({ modelPath: model, modelName: "smollm2-135m", threads: 1, contextSize: 2048, parallel: 2, gpu: false });

describe.skipIf(!existsSync(model))("llama.cpp engine (SmolLM2-135M from the model cache; `pnpm models` fetches it)", () => {
  it("evaluates only the new turn when the oldest turn leaves the prompt", { timeout: 120_000 }, async () => {
    const llm = await smollm();
    try {
      const questions = [
        "What is the capital of France?",
        "Name a colour.",
        "What is two plus two?",
        "Name an animal.",
        "Say hello.",
        "Name a fruit.",
        "Name a city.",
        "Say goodbye.",
        "Name a river.",
        "Name a planet.",
      ];
      const messages: ChatMessage[] = [];
      const evaluated: number[] = [];
      const reused: number[] = [];
      for (const q of questions) {
        messages.push({ role: "user", content: q });
        // Six exchanges at most, the oldest three leaving together (on the 7th and 10th turns);
        // the three kept (~90 tokens) are worth a shift of the cache.
        const prompt: ChatMessage[] = [
          { role: "system", content: "You are a helpful assistant." },
          ...messages.slice(windowStart(messages.length, 6)),
        ];
        const before = llm.promptTokens();
        let reply = "";
        for await (const d of llm.stream(prompt, { signal: new AbortController().signal, cacheKey: "talk", maxTokens: 16, temperature: 0 }))
          reply += d;
        evaluated.push(llm.promptTokens().evaluated - before.evaluated);
        reused.push(llm.promptTokens().reused - before.reused);
        messages.push({ role: "assistant", content: reply });
      }
      // The kept history (persona and two or more exchanges, 70+ tokens) comes from the cache, also on
      // the turns where old exchanges left; only the new question and the chat's markers (~20) are evaluated.
      for (const [i, n] of evaluated.entries()) {
        if (i < 1) continue;
        expect(n, `turn ${i + 1}: ${n} evaluated, ${reused[i]} reused`).toBeLessThan(40);
        expect(reused[i]!, `turn ${i + 1}`).toBeGreaterThan(n);
      }
    } finally {
      await llm.close();
    }
  });

  it("a prefill while the user speaks leaves the turn only its own words to evaluate", { timeout: 120_000 }, async () => {
    const llm = await smollm();
    const persona: ChatMessage = {
      role: "system",
      content: "You are Fireside, a friendly voice assistant. Answer in one to three short spoken sentences. No lists, no markdown.",
    };
    const question: ChatMessage = { role: "user", content: "What is the capital of France?" };
    /** Input tokens llama.cpp really evaluated for one turn (its own meter), and the words it answered. */
    const turn = async (cacheKey: string, prompt: ChatMessage[]) => {
      const before = llm.inputTokensEvaluated();
      let reply = "";
      for await (const d of llm.stream(prompt, { signal: new AbortController().signal, cacheKey, maxTokens: 8, temperature: 0 }))
        reply += d;
      return { evaluated: llm.inputTokensEvaluated() - before, reply };
    };
    try {
      // Two conversations, the same words; only "warm" is prefilled while its user speaks.
      await llm.prefill!([persona, { role: "user", content: "" }], { cacheKey: "warm" });
      const [cold1, warm1] = [await turn("cold", [persona, question]), await turn("warm", [persona, question])];
      // The persona (~30 tokens) and the turn's opening were evaluated before the question came.
      expect(warm1.evaluated, `cold ${cold1.evaluated}, warm ${warm1.evaluated}`).toBeLessThan(cold1.evaluated - 20);
      expect(warm1.reply).toBe(cold1.reply); // the same cache contents give the same answer

      // Later turns: the reply as heard, then the next user turn's opening, before the words come.
      const heard: ChatMessage = { role: "assistant", content: "Paris is the capital" };
      const next: ChatMessage = { role: "user", content: "And of Spain?" };
      await llm.prefill!([persona, question, heard, { role: "user", content: "" }], { cacheKey: "warm" });
      const cold2 = await turn("cold", [persona, question, heard, next]);
      const warm2 = await turn("warm", [persona, question, heard, next]);
      expect(warm2.evaluated, `cold ${cold2.evaluated}, warm ${warm2.evaluated}`).toBeLessThan(cold2.evaluated);
    } finally {
      await llm.close();
    }
  });
});
