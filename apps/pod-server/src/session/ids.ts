/**
 * A session's ids, one counter per kind: items (what the user said) and responses (each with the
 * stream id its audio frames carry). A random tag per session keeps them unique across sessions
 * and across resumes of one session, so a reconnect never overwrites stored turns.
 */
import { randomBytes } from "node:crypto";

export class SessionIds {
  private readonly tag = randomBytes(3).toString("hex");
  private items = 0;
  private responses = 0;

  item(): string {
    return `item_${this.tag}_${++this.items}`;
  }

  /** A response's id and its audio stream's id (the response's number in the session, from 1). */
  response(): { id: string; streamId: number } {
    const n = ++this.responses;
    return { id: `resp_${this.tag}_${n}`, streamId: n };
  }
}
