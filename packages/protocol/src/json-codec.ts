/** Parsing and serialising of JSON control frames, with typed errors for bad input. */
import type { z } from "zod";
import { ProtocolError } from "./errors.js";
import { LIMITS } from "./limits.js";
import { type ClientMessage, clientMessageSchema, type ServerMessage, serverMessageSchema } from "./messages.js";

const utf8 = new TextEncoder();

function parseWith<T>(schema: z.ZodType<T>, text: string): T {
  // Cheap bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
  const bytes = text.length * 3 <= LIMITS.maxTextFrameBytes ? 0 : utf8.encode(text).byteLength;
  if (bytes > LIMITS.maxTextFrameBytes) {
    throw new ProtocolError("E_FRAME_TOO_LARGE", `text frame of ${bytes} B exceeds ${LIMITS.maxTextFrameBytes} B`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError("E_BAD_JSON", `text frame is not JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "message";
    throw new ProtocolError("E_BAD_MESSAGE", `${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

export const parseClientMessage = (text: string): ClientMessage => parseWith(clientMessageSchema, text) as ClientMessage;
export const parseServerMessage = (text: string): ServerMessage => parseWith(serverMessageSchema, text) as ServerMessage;
export const encodeMessage = (msg: ClientMessage | ServerMessage): string => JSON.stringify(msg);
