/**
 * Errors are values with stable codes. Clients switch on `code`; `message` is for people.
 * `retryable` says whether sending the same request again later can succeed.
 */
export const ERROR_CODES = {
  E_AUTH: { retryable: false, summary: "missing or wrong auth token" },
  E_PROTOCOL_VERSION: { retryable: false, summary: "no protocol version in common" },
  E_NOT_READY: { retryable: true, summary: "message arrived before session.hello was accepted" },
  E_BAD_JSON: { retryable: false, summary: "text frame is not valid JSON" },
  E_BAD_MESSAGE: { retryable: false, summary: "JSON message does not match the schema" },
  E_BAD_FRAME: { retryable: false, summary: "binary frame is malformed (header, kind, codec or length)" },
  E_FRAME_TOO_LARGE: { retryable: false, summary: "frame exceeds the size limit" },
  E_AUDIO_FORMAT: { retryable: false, summary: "audio sample rate or codec differs from what was negotiated" },
  E_BUSY: { retryable: true, summary: "server or queue is full; try again shortly" },
  E_ENGINE: { retryable: true, summary: "an engine (VAD, ASR, LLM, TTS) failed on this turn" },
  E_NO_SPEECH: { retryable: false, summary: "committed audio held no recognisable speech" },
  E_AUDIO_QUALITY: { retryable: false, summary: "audio is readable but unfit: too short or long, clipped, silent, too quiet" },
  E_PAYLOAD_TOO_LARGE: { retryable: false, summary: "upload exceeds the size limit" },
  E_NOT_FOUND: { retryable: false, summary: "no such resource (voice profile, job)" },
  E_BAD_REQUEST: { retryable: false, summary: "HTTP request is missing or has invalid fields" },
  E_RATE_LIMITED: {
    retryable: true,
    summary: "too many requests, connects or failed tokens from this address or token; retry after `retryAfterMs`",
  },
  E_HELLO_TIMEOUT: { retryable: true, summary: "session.hello did not arrive in time after connecting (close 4408)" },
  E_STORAGE_FULL: {
    retryable: true,
    summary: "the pod's disk is full: what was asked was not stored (a turn is still answered); retry once space is freed",
  },
  E_STORAGE_UNAVAILABLE: {
    retryable: true,
    summary:
      "the fleet's shared database (PostgreSQL) or shared state (Redis) cannot be reached: nothing was read or stored; the pod recovers by itself when it returns",
  },
  E_INTERNAL: { retryable: true, summary: "unexpected server error" },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** Thrown by codecs and servers; carries the code that goes on the wire. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** E_RATE_LIMITED: how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  constructor(code: ErrorCode, message: string, opts: { retryAfterMs?: number } = {}) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
