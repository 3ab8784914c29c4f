/** The code of the ProtocolError a call throws, for the protocol's tests. */
import { expect } from "vitest";
import { ProtocolError } from "../src/index.js";

export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error("expected a ProtocolError");
}
