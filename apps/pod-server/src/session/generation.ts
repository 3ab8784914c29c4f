/**
 * Speaking a reply: the LLM's text is streamed to the client and cut into clauses, each clause is
 * synthesised and its audio captured by the reply, while the next is still being written. It
 * decides nothing about turns; the reply's abort stops it.
 */
import { setImmediate } from "node:timers/promises";
import { Resampler } from "@fireside/audio";
import type { ServerMessage } from "@fireside/protocol";
import type { ChatMessage, Engines } from "../engines/types.js";
import { ClauseChunker } from "../pipeline/clause-chunker.js";
import { AsyncQueue } from "../streams/async-queue.js";
import type { Reply } from "./reply.js";
import type { ReplyDraft } from "./reply-draft.js";

/** How long one reply may keep the event loop while framing its audio before it lets others run. */
const YIELD_AFTER_MS = 4;

export interface GenerationSettings {
  maxTokens: number;
  temperature: number;
  voice: string | undefined;
  /** The conversation's key: the LLM's KV cache and the TTS engine's context of earlier sentences. */
  contextId: string;
}

/**
 * Writes and speaks the reply to `prompt` (or carries on `draft`, the same reply already under
 * way). Resolves once all its audio is captured, or at once after an abort.
 */
export async function generate(
  reply: Reply,
  engines: Pick<Engines, "llm" | "tts">,
  prompt: ChatMessage[],
  draft: ReplyDraft | null,
  settings: GenerationSettings,
  send: (msg: ServerMessage) => void,
): Promise<void> {
  const { signal } = reply.abort;
  const pieces = new AsyncQueue<string>();
  const llmStartedAt = Date.now();

  const think = async () => {
    const chunker = new ClauseChunker();
    const deltas =
      draft?.deltas ??
      engines.llm.stream(prompt, {
        signal,
        cacheKey: settings.contextId,
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
      });
    try {
      for await (const delta of deltas) {
        if (signal.aborted) break;
        reply.metrics.llmFirstTokenMs ??= Date.now() - llmStartedAt;
        reply.text += delta;
        send({ type: "response.text.delta", responseId: reply.id, delta });
        for (const p of chunker.push(delta)) pieces.push(p);
      }
      if (!signal.aborted) for (const p of chunker.flush()) pieces.push(p);
    } finally {
      pieces.end();
    }
  };

  const speak = async () => {
    const resampler = engines.tts.sampleRate === reply.sampleRate ? null : new Resampler(engines.tts.sampleRate, reply.sampleRate);
    for await (const piece of pieces) {
      if (signal.aborted) break;
      const start = reply.position;
      const ttsStart = Date.now();
      const audio =
        draft?.takeAudio(piece) ??
        engines.tts.synthesize(piece, {
          signal,
          priority: "live",
          context: { id: settings.contextId },
          ...(settings.voice ? { voice: settings.voice } : {}),
        });
      let slice = performance.now();
      for await (const chunk of audio) {
        if (signal.aborted) break;
        reply.metrics.ttsFirstAudioMs ??= Date.now() - ttsStart;
        reply.capture(resampler ? resampler.process(chunk) : chunk);
        // A clause synthesised whole (Piper, a draft) is not resampled, encoded and framed in one go,
        // which held every session's frames ~10 ms: the reply lets the event loop turn once it has
        // held it YIELD_AFTER_MS. Not after every chunk: that tied each reply's audio to one 80 ms
        // chunk per turn of the loop, and with hundreds of sessions a turn takes longer than 80 ms,
        // so replies were produced slower than they play (300 sessions: 97 % of frames late).
        if (performance.now() - slice >= YIELD_AFTER_MS) {
          await setImmediate();
          slice = performance.now();
        }
      }
      reply.spoke(piece, start);
    }
    if (!signal.aborted && resampler) reply.captureTail(resampler.flush());
  };

  await Promise.all([think(), speak()]);
}
