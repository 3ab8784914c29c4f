/**
 * The one WebSocket to the pod: hello on open, keepalive pings (RunPod's proxy cuts idle sockets
 * at ~100 s), reconnect with exponential backoff, and no reconnect after errors that cannot heal.
 */
import {
  type AudioFrame,
  AudioStreamEncoder,
  type ClientMessage,
  type ClientMessageOf,
  decodeAudioFrame,
  encodeMessage,
  FrameKind,
  ProtocolError,
  parseServerMessage,
  type ServerMessage,
} from "@fireside/protocol";

export interface PodConnectionOptions {
  url: string;
  token: string;
  hello: () => Omit<ClientMessageOf<"session.hello">, "type" | "token">;
  onMessage: (msg: ServerMessage) => void;
  onAudio: (frame: AudioFrame) => void;
  onStatus: (status: "connecting" | "connected" | "reconnecting" | "disconnected", notice: string | null) => void;
  onRtt: (ms: number) => void;
}

const PING_MS = 20_000;
/** Close codes after which retrying cannot help (bad token, no common protocol). */
const FATAL_CLOSES = new Set([4400, 4401]);

export class PodConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private closedByUser = false;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingId = 0;
  private input = new AudioStreamEncoder(FrameKind.InputAudio, 1, 16000);
  private ready = false;

  constructor(private readonly opts: PodConnectionOptions) {}

  connect(): void {
    this.closedByUser = false;
    this.open();
  }

  close(): void {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close(1000, "bye");
    this.opts.onStatus("disconnected", null);
  }

  get isReady(): boolean {
    return this.ready;
  }

  send(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(msg));
  }

  /** 16 kHz PCM16, the input format this client negotiates. */
  sendAudio(samples: Int16Array): void {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(this.input.encode(samples));
  }

  private open(): void {
    this.opts.onStatus(
      this.attempt === 0 ? "connecting" : "reconnecting",
      this.attempt ? `Reconnecting (attempt ${this.attempt + 1})…` : null,
    );
    let ws: WebSocket;
    try {
      const url = new URL(this.opts.url);
      if (this.opts.token) url.searchParams.set("token", this.opts.token);
      ws = new WebSocket(url);
    } catch {
      this.opts.onStatus("disconnected", `The pod address "${this.opts.url}" is not a valid WebSocket URL.`);
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      ws.send(encodeMessage({ type: "session.hello", ...this.opts.hello(), ...(this.opts.token ? { token: this.opts.token } : {}) }));
    };
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) {
        try {
          this.opts.onAudio(decodeAudioFrame(new Uint8Array(ev.data)));
        } catch {
          // a malformed frame from the pod is dropped, not fatal
        }
        return;
      }
      let msg: ServerMessage;
      try {
        msg = parseServerMessage(String(ev.data));
      } catch (err) {
        if (err instanceof ProtocolError) return;
        throw err;
      }
      if (msg.type === "session.ready") {
        this.ready = true;
        this.attempt = 0;
        this.startPings();
        this.opts.onStatus("connected", null);
      } else if (msg.type === "ping") {
        this.send({ type: "pong", id: msg.id, t: msg.t });
        return;
      } else if (msg.type === "pong") {
        this.opts.onRtt(performance.now() - msg.t);
        return;
      }
      this.opts.onMessage(msg);
    };
    ws.onclose = (ev) => {
      this.ready = false;
      this.stopPings();
      if (this.closedByUser) return;
      if (FATAL_CLOSES.has(ev.code)) {
        this.opts.onStatus(
          "disconnected",
          ev.code === 4401
            ? "The pod refused the token. Check it in Settings."
            : "This pod speaks a different protocol version; update the app or the pod.",
        );
        return;
      }
      const delay = Math.min(15_000, 500 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
      this.attempt++;
      this.opts.onStatus("reconnecting", `Lost the pod connection. Retrying in ${Math.round(delay / 1000)} s…`);
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
  }

  private startPings(): void {
    this.stopPings();
    const ping = () => this.send({ type: "ping", id: ++this.pingId, t: performance.now() });
    ping();
    this.pingTimer = setInterval(ping, PING_MS);
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
