/**
 * The one WebSocket to the pod: hello on open, keepalive pings (RunPod's proxy cuts idle sockets
 * at ~100 s), reconnect with exponential backoff, resume of the same session after a drop, and an
 * honest status for what cannot be retried away:
 * - a wrong token stops (a browser sees the pod's HTTP 401 only as close 1006, so a connection
 *   that closes before its hello is answered is followed by one REST probe of the token);
 * - an address blocked for too many wrong tokens, or rate-limited, waits as long as the pod says;
 * - a pod still loading its models shows as loading, not as a lost connection.
 */
import { ArrivalStats } from "@fireside/audio";
import {
  AudioCodec,
  AudioStreamEncoder,
  type ClientMessage,
  CONVERSATIONS_PATH,
  decodeAudioFrame,
  encodeMessage,
  FrameKind,
  ProtocolError,
  parseServerMessage,
  type ServerMessage,
  type ServerMessageOf,
} from "@fireside/protocol";
import type { WasmOpusEncoder } from "../audio/wasm-opus";
import { OpusDownlink } from "../audio/webcodecs-opus";
import { httpBase, type PodTransport, type TransportOptions } from "./pod-transport";

const PING_MS = 20_000;
/** Close codes after which retrying cannot help (bad token, no common protocol, taken over elsewhere). */
const FATAL_CLOSES: Record<number, string> = {
  4400: "This pod speaks a different protocol version; update the app or the pod.",
  4401: "The pod refused the token. Check it in Settings.",
  4409: "This conversation continued in another window.",
};
const LOADING_RETRY_MS = 2000;

export class PodConnection implements PodTransport {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private closedByUser = false;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingId = 0;
  private input = new AudioStreamEncoder(FrameKind.InputAudio, 1, 16000);
  private downlink: OpusDownlink | null = null;
  /** The microphone's encoder when the pod took Opus input; null sends PCM. */
  private uplink: WasmOpusEncoder | null = null;
  /** Headers of reply frames waiting for the decoder, in order (it outputs one PCM block per packet). */
  private decoding: Parameters<TransportOptions["onAudio"]>[0][] = [];
  private arrivals = new ArrivalStats();
  private codecs = { input: "pcm_s16le", output: "pcm_s16le" };
  private ready = false;
  /** From the last session.ready: resume it after a drop; else continue its stored conversation. */
  private resumeToken: string | null = null;
  private conversationId: string | null = null;
  /** The error the pod sent before closing, if any: it says why (loading, rate-limited). */
  private lastError: ServerMessageOf<"error"> | null = null;

  /**
   * `opusReplies`: whether the runtime decodes Opus (webcodecs-opus.ts); without it replies stay PCM.
   * `opusMic`: makes the microphone's Opus encoder (wasm-opus.ts); null, or one that fails, sends PCM.
   */
  constructor(
    private readonly opts: TransportOptions,
    private readonly opusReplies: Promise<boolean> = Promise.resolve(false),
    private readonly opusMic: (() => Promise<WasmOpusEncoder>) | null = null,
  ) {}

  private micEncoder: Promise<WasmOpusEncoder | null> | null = null;
  /** The encoder offered in this socket's hello (used if session.ready takes Opus input). */
  private offeredMic: WasmOpusEncoder | null = null;

  /** The microphone's encoder, made once; null when it cannot be (the microphone then sends PCM). */
  private opusMicEncoder(): Promise<WasmOpusEncoder | null> {
    this.micEncoder ??= this.opusMic ? this.opusMic().catch(() => null) : Promise.resolve(null);
    return this.micEncoder;
  }

  connect(): void {
    this.closedByUser = false;
    this.everReady = false;
    this.open();
  }

  /** Reached the pod (a session.ready) since connect(): a later failure is a drop, not a wrong address. */
  private everReady = false;

  /** What the app says while the pod has not been reached since Start (with each retry's timing after it). */
  private get unreachable(): string {
    return `Cannot reach the pod at ${this.where}: is it running, and is the address in Settings right?`;
  }

  private get where(): string {
    try {
      return new URL(this.opts.url).host;
    } catch {
      return this.opts.url;
    }
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

  continueConversation(id: string | null): void {
    this.conversationId = id;
    this.resumeToken = null;
    if (this.ws && !this.closedByUser) {
      this.ws.onclose = null;
      this.ws.close(1000, "switching conversation");
      this.ready = false;
      this.stopPings();
      this.attempt = 0;
      this.open();
    }
  }

  send(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(msg));
  }

  sendAudio(samples: Int16Array): void {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return;
    const opus = this.uplink;
    this.ws.send(opus ? this.input.encodeOpus(opus.encode(samples), opus.frameSamples) : this.input.encode(samples));
  }

  private reportLink(): void {
    const a = this.arrivals;
    this.opts.onLinkStats?.({
      codec: this.codecs,
      kbpsIn: Math.round(a.kbps),
      jitterMs: Math.round(a.jitterMs * 10) / 10,
      lostFrames: a.lostFrames,
    });
  }

  /** Codecs for this session, as the pod echoed them in session.ready. */
  private setUpCodecs(ready: ServerMessageOf<"session.ready">): void {
    this.uplink = ready.audio.input.codec === "opus" ? this.offeredMic : null;
    this.downlink?.close();
    this.downlink = null;
    this.decoding = [];
    this.arrivals = new ArrivalStats();
    this.input = new AudioStreamEncoder(FrameKind.InputAudio, 1, 16000);
    const failed = (err: Error) => this.opts.onStatus("connected", `Audio codec error: ${err.message}`);
    if (ready.audio.output.codec === "opus") {
      this.downlink = new OpusDownlink((samples) => {
        const header = this.decoding.shift();
        if (header) this.opts.onAudio({ ...header, samples });
      }, failed);
    }
  }

  private open(): void {
    if (this.attempt === 0) this.opts.onStatus("connecting", null);
    else if (this.everReady) this.opts.onStatus("reconnecting", `Reconnecting (attempt ${this.attempt + 1})…`);
    else this.opts.onStatus("unreachable", `${this.unreachable} Trying again (attempt ${this.attempt + 1})…`);
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
    ws.onerror = () => {}; // the close that follows carries what there is to know
    this.ws = ws;
    this.lastError = null;
    ws.onopen = async () => {
      const [opusReplies, opusMic] = await Promise.all([this.opusReplies, this.opusMicEncoder()]);
      if (ws.readyState !== WebSocket.OPEN) return;
      this.offeredMic = opusMic;
      const hello = this.opts.hello();
      const audio = {
        ...hello.audio,
        ...(opusMic ? { input: { ...hello.audio.input, codec: "opus" as const } } : {}),
        ...(opusReplies ? { output: { codec: "opus" as const, sampleRate: 24000 } } : {}),
      };
      ws.send(
        encodeMessage({
          type: "session.hello",
          ...hello,
          audio,
          ...(this.opts.token ? { token: this.opts.token } : {}),
          ...(this.resumeToken ? { resume: this.resumeToken } : {}),
          ...(this.conversationId ? { conversationId: this.conversationId } : {}),
        }),
      );
    };
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) {
        try {
          const frame = decodeAudioFrame(new Uint8Array(ev.data));
          this.arrivals.record(frame, performance.now(), ev.data.byteLength);
          if (frame.codec === AudioCodec.PcmS16le) this.opts.onAudio(frame);
          else if (this.downlink) {
            const { packet, ...header } = frame;
            this.decoding.push({ ...header, codec: AudioCodec.PcmS16le, samples: new Int16Array(0) });
            this.downlink.decode(packet, 40_000);
          }
          if (this.arrivals.frames % 25 === 0) this.reportLink();
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
        this.setUpCodecs(msg);
        this.codecs = { input: msg.audio.input.codec, output: msg.audio.output.codec };
        this.reportLink();
        this.ready = true;
        this.everReady = true;
        this.attempt = 0;
        this.resumeToken = msg.resumeToken;
        if (msg.conversationId) this.conversationId = msg.conversationId;
        this.startPings();
        this.opts.onStatus("connected", null);
      } else if (msg.type === "ping") {
        this.send({ type: "pong", id: msg.id, t: msg.t });
        return;
      } else if (msg.type === "pong") {
        this.opts.onRtt(performance.now() - msg.t);
        return;
      } else if (msg.type === "error" && !this.ready) {
        this.lastError = msg;
      } else if (msg.type === "conversation.started") {
        this.conversationId = msg.conversationId; // continued by id if the session cannot be resumed
      }
      this.opts.onMessage(msg);
    };
    ws.onclose = (ev) => {
      const wasReady = this.ready;
      this.ready = false;
      this.stopPings();
      if (this.closedByUser || ws !== this.ws) return;
      const fatal = FATAL_CLOSES[ev.code];
      if (fatal) {
        this.opts.onStatus(ev.code === 4401 ? "refused" : "disconnected", fatal);
        return;
      }
      const err = this.lastError;
      if (err?.code === "E_BUSY" && /loading/.test(err.message)) {
        this.opts.onStatus("loading", "The pod is loading its models; it will answer when they are ready.");
        this.retryTimer = setTimeout(() => this.open(), LOADING_RETRY_MS);
        return;
      }
      if (err?.code === "E_RATE_LIMITED" && err.retryAfterMs) return this.retryIn(err.retryAfterMs, "The pod asked to slow down.");
      // Refused before hello could be answered: a browser cannot see why (401? 429? gone?). Ask.
      if (!wasReady && ev.code === 1006) {
        void this.probe().then((verdict) => {
          if (verdict.kind === "unauthorised") this.opts.onStatus("refused", FATAL_CLOSES[4401]!);
          else if (verdict.kind === "blocked") this.retryIn(verdict.retryAfterMs, "Too many wrong tokens from this computer.");
          else this.backoff();
        });
        return;
      }
      this.backoff();
    };
  }

  private backoff(): void {
    const delay = Math.min(15_000, 500 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    const inS = Math.ceil(delay / 1000);
    if (this.everReady) this.opts.onStatus("reconnecting", `Lost the pod connection. Retrying in ${inS} s…`);
    else this.opts.onStatus("unreachable", `${this.unreachable} Trying again in ${inS} s…`);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private retryIn(ms: number, why: string): void {
    this.opts.onStatus("reconnecting", `${why} Trying again in ${Math.ceil(ms / 1000)} s…`);
    this.retryTimer = setTimeout(() => this.open(), ms);
  }

  /** One authenticated REST request tells a wrong token (401) or a blocked address (429) from a network failure. */
  private async probe(): Promise<{ kind: "unauthorised" } | { kind: "blocked"; retryAfterMs: number } | { kind: "unknown" }> {
    try {
      const res = await fetch(`${httpBase(this.opts.url)}${CONVERSATIONS_PATH}`, {
        headers: this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {},
      });
      if (res.status === 401) return { kind: "unauthorised" };
      if (res.status === 429) return { kind: "blocked", retryAfterMs: Number(res.headers.get("retry-after") ?? 60) * 1000 };
    } catch {
      // unreachable: an ordinary reconnect
    }
    return { kind: "unknown" };
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
