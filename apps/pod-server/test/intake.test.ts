/** How fast a pod near capacity takes new conversations: at full speed with room, a few per second once its loop runs half the bound late. */
import { describe, expect, it } from "vitest";
import { Intake } from "../src/guard/intake.js";

const admitWhileAllowed = (intake: Intake, lagMs: number, sessions: number) => {
  let n = 0;
  while (n < 1000 && intake.allows(lagMs, sessions + n)) {
    intake.admitted();
    n++;
  }
  return n;
};

describe("intake", () => {
  it("admits at full speed while the loop runs under half the bound", () => {
    expect(admitWhileAllowed(new Intake(300), 150, 400)).toBe(1000);
  });

  it("near capacity admits 5 % of those it serves per window (at least 4), and a new window allows as many again", () => {
    const intake = new Intake(300);
    expect(admitWhileAllowed(intake, 250, 400)).toBe(22); // 5 % of the 422 it then serves, rounded up
    intake.window();
    expect(admitWhileAllowed(intake, 250, 20)).toBe(4);
    intake.window();
    expect(admitWhileAllowed(intake, 100, 400)).toBe(1000); // the loop caught up
  });

  it("paces nothing with admission by lag turned off", () => {
    expect(admitWhileAllowed(new Intake(0), 5000, 400)).toBe(1000);
  });
});
