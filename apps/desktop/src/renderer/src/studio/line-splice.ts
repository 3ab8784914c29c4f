/**
 * A dialogue with one line replaced by a new take of it (per-line re-render): the new take's
 * speech, cut at its own timing, goes where the old line's speech was; the lines after it move by
 * the difference, and the pauses between lines stay as rendered.
 */
import type { LineTiming } from "@fireside/protocol";

export interface RenderedDialogue {
  samples: Float32Array;
  timings: LineTiming[];
}

const at = (ms: number, rate: number) => Math.round((ms / 1000) * rate);

export function spliceLine(dialogue: RenderedDialogue, index: number, take: RenderedDialogue, rate: number): RenderedDialogue {
  const old = dialogue.timings[index];
  const fresh = take.timings[0];
  if (!old || !fresh) throw new Error(`line ${index + 1} is not in this render`);
  const speech = take.samples.subarray(at(fresh.startMs, rate), Math.min(take.samples.length, at(fresh.endMs, rate)));
  const from = at(old.startMs, rate);
  const to = Math.min(dialogue.samples.length, at(old.endMs, rate));
  const samples = new Float32Array(dialogue.samples.length - (to - from) + speech.length);
  samples.set(dialogue.samples.subarray(0, from), 0);
  samples.set(speech, from);
  samples.set(dialogue.samples.subarray(to), from + speech.length);
  const shift = ((speech.length - (to - from)) / rate) * 1000;
  const timings = dialogue.timings.map((t, k) => {
    if (k < index) return t;
    if (k === index) return { ...t, text: fresh.text, endMs: t.startMs + (speech.length / rate) * 1000 };
    return { ...t, startMs: t.startMs + shift, endMs: t.endMs + shift };
  });
  return { samples, timings };
}
