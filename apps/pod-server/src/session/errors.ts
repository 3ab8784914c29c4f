/**
 * How a session answers what went wrong: a typed `error` message (a ProtocolError's code, E_ENGINE
 * for an engine, E_STORAGE_FULL for a full disk, E_INTERNAL and a log line for anything else), counted in the metrics. Nothing
 * thrown inside a conversation reaches the transport.
 */
import { type ErrorCode, ProtocolError, type ServerMessage } from "@fireside/protocol";
import { EngineError } from "../engines/types.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { storageFull } from "../store/storage-full.js";

export type LogFn = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export class ErrorReporter {
  constructor(
    private readonly send: (msg: ServerMessage) => void,
    private readonly metrics: ServerMetrics,
    private readonly log: LogFn,
    private readonly sessionId: () => string | null,
  ) {}

  /** Answers `err`, whatever it is, naming the message or stage it came from. */
  fail(err: unknown, inReplyTo: string): void {
    const full = storageFull(err);
    if (full) this.error(full.code, full.message, inReplyTo);
    else if (err instanceof ProtocolError) this.error(err.code, err.message, inReplyTo, err.retryAfterMs);
    else if (err instanceof EngineError) this.error("E_ENGINE", err.message, inReplyTo);
    else {
      this.log("error", "unexpected session error", { session: this.sessionId(), error: (err as Error)?.stack ?? String(err) });
      this.error("E_INTERNAL", "unexpected server error", inReplyTo);
    }
  }

  error(code: ErrorCode, message: string, inReplyTo?: string, retryAfterMs?: number): void {
    this.metrics.countError(code);
    const retryable = new ProtocolError(code, message).retryable;
    this.send({ type: "error", code, message, retryable, ...(inReplyTo ? { inReplyTo } : {}), ...(retryAfterMs ? { retryAfterMs } : {}) });
  }
}
