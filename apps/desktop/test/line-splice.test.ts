/** Per-line re-render: the new take replaces exactly its line's speech, and the lines after it move with it. */
import { describe, expect, it } from "vitest";
import { spliceLine } from "../src/renderer/src/studio/line-splice";

const RATE = 1000; // one sample per ms keeps the arithmetic readable
const filled = (parts: [number, number][]) => Float32Array.from(parts.flatMap(([n, v]) => Array(n).fill(v)));
const timing = (index: number, startMs: number, endMs: number, text = `line ${index + 1}`) =>
  ({ index, speaker: index % 2 ? "S2" : "S1", text, startMs, endMs }) as const;

describe("spliceLine", () => {
  it("puts a longer take where line 2 was, keeps the pauses, and moves line 3 later by the difference", () => {
    // 100 ms line 1, 50 ms pause, 100 ms line 2, 50 ms pause, 100 ms line 3
    const dialogue = {
      samples: filled([
        [100, 1],
        [50, 0],
        [100, 2],
        [50, 0],
        [100, 3],
      ]),
      timings: [timing(0, 0, 100), timing(1, 150, 250), timing(2, 300, 400)],
    };
    // the take: 20 ms lead-in, 160 ms of speech, 30 ms tail
    const take = {
      samples: filled([
        [20, 0],
        [160, 9],
        [30, 0],
      ]),
      timings: [timing(0, 20, 180, "line 2, again")],
    };
    const out = spliceLine(dialogue, 1, take, RATE);
    expect(out.samples.length).toBe(460);
    expect(Array.from(out.samples.subarray(150, 310)).every((v) => v === 9)).toBe(true);
    expect(Array.from(out.samples.subarray(310, 360)).every((v) => v === 0)).toBe(true);
    expect(Array.from(out.samples.subarray(360)).every((v) => v === 3)).toBe(true);
    expect(out.timings.map((t) => [t.startMs, t.endMs, t.text])).toEqual([
      [0, 100, "line 1"],
      [150, 310, "line 2, again"],
      [360, 460, "line 3"],
    ]);
  });

  it("refuses a line the render does not have", () => {
    expect(() => spliceLine({ samples: new Float32Array(0), timings: [] }, 0, { samples: new Float32Array(0), timings: [] }, RATE)).toThrow(
      /line 1 is not in this render/,
    );
  });
});
