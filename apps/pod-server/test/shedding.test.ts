/** What an overloaded pod gives up: its newest conversations move away only while the loop stays far behind, a few at a time. */
import { describe, expect, it } from "vitest";
import { Shedder } from "../src/guard/shedding.js";

describe("shedding", () => {
  it("moves nothing for a lone late second, then 5 % of the conversations per second while the loop stays twice the bound late", () => {
    const s = new Shedder(200);
    expect(s.decide(900, 600)).toBe(0); // one late window: a stall, not overload
    expect(s.decide(100, 600)).toBe(0);
    expect(s.decide(450, 600)).toBe(0);
    expect(s.decide(450, 600)).toBe(30);
    expect(s.decide(450, 570)).toBe(28);
    expect(s.decide(390, 542)).toBe(0); // under twice the bound: admission's business, not shedding's
    expect(s.decide(500, 542)).toBe(0);
  });

  it("keeps a pod's last conversation, moves at least one of two, and never sheds with admission by lag turned off", () => {
    const s = new Shedder(200);
    s.decide(1000, 1);
    expect(s.decide(1000, 1)).toBe(0);
    expect(s.decide(1000, 2)).toBe(1);
    const off = new Shedder(0);
    off.decide(5000, 600);
    expect(off.decide(5000, 600)).toBe(0);
  });
});
