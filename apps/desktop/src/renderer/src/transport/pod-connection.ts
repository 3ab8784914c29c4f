/**
 * The app's connection to the pod, on the shared protocol client (@fireside/client): a socket per
 * attempt with hello, keepalive pings (RunPod's proxy cuts idle sockets at ~100 s), reconnect with
 * exponential backoff, resume of the same session after a drop, and an honest status for what
 * cannot be retried away:
 * - a wrong or missing token, and a pod that answers at another path, stop (a browser sees the
 *   pod's HTTP 401 or 404 only as close 1006, so a connection that closes before its hello is
 *   answered is followed by HTTP probes, pod-probe.ts: /health, the path, the token);
 * - an address blocked for too many wrong tokens, or rate-limited, waits as long as the pod says;
 * - a pod still loading its models shows as loading, not as a lost connection.
 */

import { ArrivalStats } from "@fireside/audio";
import { FATAL_CLOSES, RealtimeConnection, type SocketLike } from "@fireside/client";
import { AudioCodec, type ClientMessage, type PcmAudioFrame, REALTIME_PATH, type ServerMessageOf } from "@fireside/protocol";
import type { OpusDownlink } from "../audio/webcodecs-opus";
import { CodecChoice } from "./audio-codecs";
import { probePod } from "./pod-probe";
import { type PodTransport, podHost, type TransportOptions } from "./pod-transport";

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
  /** What the HTTP probe found of a pod never reached ("Nothing answers at …"), kept across its retries. */
  private unreachableWhy = "";
  /** The pod said it is loading its models: retries stay "loading" (no flicker through "connecting"). */
  private loading = false;
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
    this.loading = false;
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

  private get where(): string {
    return podHost(this.opts.url);
  }

  private reportLink(): void {
    const a = this.arrivals;
    this.opts.onLinkStats?.({
      codec: this.codecs,
      kbpsIn: Math.round(a.kbps),
      jitterMs: Math.round(a.jitterMs * 10) / 10,
      lostFrames: a.lostFrames,
      frames: a.frames,
    });
  }

  private open(): void {
    if (this.loading) {
      // still loading: the status and its progress stay as they are until the pod answers
    } else if (this.attempt === 0) this.opts.onStatus("connecting", null);
    else if (this.everReady) this.opts.onStatus("reconnecting", `Reconnecting (attempt ${this.attempt + 1})…`);
    else this.opts.onStatus("unreachable", `${this.unreachableWhy}Trying again now (attempt ${this.attempt + 1})…`);
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
        else if (msg.type === "error" && !wasReady) {
          // Why the pod turns this socket away: the close that follows reports it once, as a status.
          this.lastError = msg;
          return;
        } else if (msg.type === "conversation.started") this.conversationId = msg.conversationId; // continued by id if the session cannot be resumed
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
    this.loading = false;
    this.attempt = 0;
    this.resumeToken = ready.resumeToken;
    if (ready.conversationId) this.conversationId = ready.conversationId;
    this.conn?.startPings(PING_MS);
    this.opts.onStatus("connected", null);
  }

  private onClose(code: number, wasReady: boolean): void {
    const fatal = FATAL_CLOSES[code];
    if (fatal) {
      this.opts.onStatus(code === 4401 ? "refused" : "disconnected", code === 4401 ? this.refusal : fatal);
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
      if (!this.loading) this.opts.onStatus("loading", null);
      this.loading = true;
      this.retryTimer = setTimeout(() => this.open(), LOADING_RETRY_MS);
      return;
    }
    this.loading = false;
    if (err?.code === "E_RATE_LIMITED" && err.retryAfterMs) {
      this.retryIn(err.retryAfterMs, "The pod asked to slow down.");
      return;
    }
    if (err?.code === "E_BUSY") {
      this.backoff(`The pod is full (${err.message}).`);
      return;
    }
    // Refused before hello could be answered: a browser cannot see why (401? 429? gone? another
    // path?). Ask over HTTP.
    if (!wasReady && code === 1006) {
      void probePod(this.opts.url, this.opts.token).then((verdict) => {
        if (this.closedByUser) return;
        if (verdict.kind === "unauthorised") this.opts.onStatus("refused", this.refusal);
        else if (verdict.kind === "wrong-path") this.opts.onStatus("wrong-address", this.wrongPath);
        else if (verdict.kind === "blocked") this.retryIn(verdict.retryAfterMs, "Too many wrong tokens from this computer.");
        else this.backoff(verdict.kind === "absent" ? `Nothing answers at ${this.where}.` : "");
      });
      return;
    }
    this.backoff();
  }

  /** A token refused, or none given where the pod needs one: the user can fix only the one they have. */
  private get refusal(): string {
    return this.opts.token
      ? `The pod at ${this.where} refused the token. Check it in Settings.`
      : `The pod at ${this.where} needs a token (its FIRESIDE_TOKEN). Put it in Settings.`;
  }

  private get wrongPath(): string {
    return `The pod at ${this.where} answers, but not at ${new URL(this.opts.url).pathname}: its realtime address ends in ${REALTIME_PATH}.`;
  }

  private backoff(why = ""): void {
    const delay = retryDelayMs(this.attempt, Math.random());
    this.attempt++;
    const inS = Math.ceil(delay / 1000);
    if (this.everReady) this.opts.onStatus("reconnecting", `${why || "Lost the pod connection."} Retrying in ${inS} s…`);
    else {
      this.unreachableWhy = why ? `${why} ` : "";
      this.opts.onStatus("unreachable", `${this.unreachableWhy}Trying again in ${inS} s…`);
    }
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private retryIn(ms: number, why: string): void {
    this.opts.onStatus("reconnecting", `${why} Trying again in ${Math.ceil(ms / 1000)} s…`);
    this.retryTimer = setTimeout(() => this.open(), ms);
  }
}
