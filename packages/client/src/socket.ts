/**
 * The WebSocket the client runs on, as narrow as it needs it: the browser's WebSocket and Node's
 * `ws` package both fit, so the app, the tests and the bench share one protocol client.
 */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** WebSocket.OPEN in both implementations. */
export const SOCKET_OPEN = 1;
