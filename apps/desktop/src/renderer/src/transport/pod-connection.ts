/**
 * The app's connection to the pod, on the shared protocol client (@fireside/client): a socket per
 * attempt with hello, keepalive pings (RunPod's proxy cuts idle sockets at ~100 s), reconnect with
 * exponential backoff, resume of the same session after a drop, and an honest status for what
 * cannot be retried away:
 * - a wrong token stops (a browser sees the pod's HTTP 401 only as close 1006, so a connection
 *   that closes before its hello is answered is followed by one REST probe of the token);
 * - an address blocked for too many wrong tokens, or rate-limited, waits as long as the pod says;
 * - a pod still loading its models shows as loading, not as a lost connection.
 */

import { ArrivalStats } from "@fireside/audio";
import { FATAL_CLOSES, RealtimeConnection, type SocketLike } from "@fireside/client";
import { AudioCodec, type ClientMessage, CONVERSATIONS_PATH, type PcmAudioFrame, type ServerMessageOf } from "@fireside/protocol";
import type { OpusDownlink } from "../audio/webcodecs-opus";
import { CodecChoice } from "./audio-codecs";
import { httpBase, type PodTransport, type TransportOptions } from "./pod-transport";

const PING_MS = 20_000;
const LOADING_RETRY_MS = 2000;

/** The wait before reconnect attempt `attempt` (0-based): 0.5 s doubling, jittered ±20 % by `random` (0–1), then capped at 15 s as docs/desktop.md says. */
export function retryDelayMs(attempt: number, random: number): number {
  return Math.min(15_000, 500 * 2 ** attempt * (0.8 + random * 0.4));
}

export class PodConnection implements PodTransport {
  private conn: RealtimeConnection | null = null;
  private attempt = 0;
  private closedByUser = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private downlink: OpusDownlink | null = null;
  /** Headers of reply frames waiting for the decoder, in order (it outputs one PCM block per packet). */
  private decoding: PcmAudioFrame[] = [];
  private arrivals = new ArrivalStats();
  private codecs = { input: "pcm_s16le", output: "pcm_s16le" };
  /** From the last session.ready: resume it after a drop; else continue its stored conversation. */
  private resumeToken: string | null = null;
  private conversationId: string | null = null;
  /** The error the pod sent before closing, if any: it says why (loading, rate-limited). */
  private lastError: ServerMessageOf<"error"> | null = null;
  /** Reached the pod (a session.ready) since connect(): a later failure is a drop, not a wrong address. */
  private everReady = false;
  private readonly codecChoice: CodecChoice;

  constructor(
    private readonly opts: TransportOptions,
    codecs: CodecChoice = new CodecChoice(),
  ) {
    this.codecChoice = codecs;
  }

  connect(): void {
    this.closedByUser = false;
    this.everReady = false;
    this.open();
  }

  close(): void {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.conn?.close(1000, "bye");
    this.opts.onStatus("disconnected", null);
  }

  get isReady(): boolean {
    return this.conn?.ready != null && this.conn.isOpen;
  }

  continueConversation(id: string | null): void {
    this.conversationId = id;
    this.resumeToken = null;
    if (this.conn && !this.closedByUser) {
      const old = this.conn;
      old.detach();
      old.close(1000, "switching conversation");
      this.conn = null;
      this.attempt = 0;
      this.open();
    }
  }

  send(msg: ClientMessage): void {
    this.conn?.send(msg);
  }

  sendAudio(samples: Int16Array): void {
    if (this.isReady) this.conn!.sendAudio(samples);
  }

  /** What the app says while the pod has not been reached since Start (with each retry's timing after it). */
  private get unreachable(): string {
    let where = this.opts.url;
    try {
      where = new URL(this.opts.url).host;
    } catch {
      // shown as typed
    }
    return `Cannot reach the pod at ${where}: is it running, and is the address in Settings right?`;
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

  private open(): void {
    if (this.attempt === 0) this.opts.onStatus("connecting", null);
    else if (this.everReady) this.opts.onStatus("reconnecting", `Reconnecting (attempt ${this.attempt + 1})…`);
    else this.opts.onStatus("unreachable", `${this.unreachable} Trying again (attempt ${this.attempt + 1})…`);
    let socket: SocketLike;
    try {
      const url = new URL(this.opts.url);
      if (this.opts.token) url.searchParams.set("token", this.opts.token);
      socket = new WebSocket(url) as unknown as SocketLike;
    } catch {
      this.opts.onStatus("disconnected", `The pod address "${this.opts.url}" is not a valid WebSocket URL.`);
      return;
    }
    this.lastError = null;
    let wasReady = false;
    const conn: RealtimeConnection = new RealtimeConnection(socket, {
      open: async () => {
        const { audio, uplink } = await this.codecChoice.offer();
        if (!conn.isOpen) return;
        conn.hello(
          {
            ...this.opts.hello(),
            audio,
            ...(this.opts.token ? { token: this.opts.token } : {}),
            ...(this.resumeToken ? { resume: this.resumeToken } : {}),
            ...(this.conversationId ? { conversationId: this.conversationId } : {}),
          },
          uplink,
        );
      },
      frame: (frame, bytes, at) => {
        this.arrivals.record(frame, at, bytes);
        if (frame.codec === AudioCodec.PcmS16le) this.opts.onAudio(frame);
        else if (this.downlink) {
          const { packet, ...header } = frame;
          this.decoding.push({ ...header, codec: AudioCodec.PcmS16le, samples: new Int16Array(0) });
          this.downlink.decode(packet, 40_000);
        }
        if (this.arrivals.frames % 25 === 0) this.reportLink();
      },
      rtt: (ms) => this.opts.onRtt(ms),
      message: (msg) => {
        if (msg.type === "session.ready") {
          wasReady = true;
          this.onReady(msg);
        } else if (msg.type === "ping" || msg.type === "pong") return;
        else if (msg.type === "error" && !wasReady) this.lastError = msg;
        else if (msg.type === "conversation.started") this.conversationId = msg.conversationId; // continued by id if the session cannot be resumed
        this.opts.onMessage(msg);
      },
      close: (code) => {
        if (this.closedByUser || conn !== this.conn) return;
        this.onClose(code, wasReady);
      },
    });
    this.conn = conn;
  }

  private onReady(ready: ServerMessageOf<"session.ready">): void {
    this.downlink?.close();
    this.decoding = [];
    this.arrivals = new ArrivalStats();
    this.downlink = this.codecChoice.downlink(
      ready,
      (samples) => {
        const header = this.decoding.shift();
        if (header) this.opts.onAudio({ ...header, samples });
      },
      (err) => this.opts.onStatus("connected", `Audio codec error: ${err.message}`),
    );
    this.codecs = { input: ready.audio.input.codec, output: ready.audio.output.codec };
    this.reportLink();
    this.everReady = true;
    this.attempt = 0;
    this.resumeToken = ready.resumeToken;
    if (ready.conversationId) this.conversationId = ready.conversationId;
    this.conn?.startPings(PING_MS);
    this.opts.onStatus("connected", null);
  }

  private onClose(code: number, wasReady: boolean): void {
    const fatal = FATAL_CLOSES[code];
    if (fatal) {
      this.opts.onStatus(code === 4401 ? "refused" : "disconnected", fatal);
      return;
    }
    // The pod is draining (session.moving came first): reconnect at once; the balancer picks another
    // pod and the session resumes there with its token.
    if (code === 1012) {
      this.opts.onStatus("reconnecting", "Moving to another pod…");
      this.open();
      return;
    }
    const err = this.lastError;
    if (err?.code === "E_BUSY" && /loading/.test(err.message)) {
      this.opts.onStatus("loading", "The pod is loading its models; it will answer when they are ready.");
      this.retryTimer = setTimeout(() => this.open(), LOADING_RETRY_MS);
      return;
    }
    if (err?.code === "E_RATE_LIMITED" && err.retryAfterMs) {
      this.retryIn(err.retryAfterMs, "The pod asked to slow down.");
      return;
    }
    // Refused before hello could be answered: a browser cannot see why (401? 429? gone?). Ask.
    if (!wasReady && code === 1006) {
      void this.probe().then((verdict) => {
        if (verdict.kind === "unauthorised") this.opts.onStatus("refused", FATAL_CLOSES[4401]!);
        else if (verdict.kind === "blocked") this.retryIn(verdict.retryAfterMs, "Too many wrong tokens from this computer.");
        else this.backoff();
      });
      return;
    }
    this.backoff();
  }

  private backoff(): void {
    const delay = retryDelayMs(this.attempt, Math.random());
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
}
