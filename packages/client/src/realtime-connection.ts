/**
 * One realtime socket to the pod, from the client's side: hello, every server message parsed, reply
 * frames decoded to their headers, the pod's pings answered and ours timed, and microphone audio
 * framed in the codec session.ready settled. Reconnecting, playing and recording are the caller's.
 */
import {
  type AudioFrame,
  AudioStreamEncoder,
  type ClientMessage,
  decodeAudioFrame,
  encodeMessage,
  FrameKind,
  ProtocolError,
  parseServerMessage,
  type SampleRate,
  type ServerMessage,
  type ServerMessageOf,
} from "@fireside/protocol";
import { type Hello, type HelloOptions, helloMessage } from "./hello.js";
import { SOCKET_OPEN, type SocketLike } from "./socket.js";

/** Opus packets from 16-bit PCM, for the microphone when the pod takes Opus input. */
export interface UplinkEncoder {
  /** Samples per packet (the microphone's frame). */
  readonly frameSamples: number;
  encode(samples: Int16Array): Uint8Array;
}

export interface RealtimeEvents {
  /** Every server message, after the connection did its own part (ping answered, ready recorded). */
  message?(msg: ServerMessage, at: number): void;
  /** A reply audio frame as it came (PCM or an Opus packet), with its size on the wire. */
  frame?(frame: AudioFrame, bytes: number, at: number): void;
  open?(): void;
  close?(code: number, reason: string): void;
  /** Round trip of one of our pings, ms. */
  rtt?(ms: number): void;
}

/** Close codes after which retrying cannot help (bad token, no common protocol, taken over elsewhere). */
export const FATAL_CLOSES: Readonly<Record<number, string>> = {
  4400: "This pod speaks a different protocol version; update the app or the pod.",
  4401: "The pod refused the token. Check it in Settings.",
  4409: "This conversation continued in another window.",
};

export class RealtimeConnection {
  /** The last session.ready on this socket (null before). */
  ready: ServerMessageOf<"session.ready"> | null = null;
  /** The stored conversation this socket's session writes to, once known. */
  conversationId: string | null = null;
  /** Encoded audio bytes sent (header and payload), for bitrates. */
  bytesSent = 0;
  private input = new AudioStreamEncoder(FrameKind.InputAudio, 1, 16000);
  private uplinkOffer: UplinkEncoder | null = null;
  private uplink: UplinkEncoder | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pingId = 0;

  constructor(
    readonly socket: SocketLike,
    private readonly events: RealtimeEvents,
    private readonly now: () => number = () => performance.now(),
  ) {
    socket.binaryType = "arraybuffer";
    socket.onerror = () => {}; // the close that follows carries what there is to know
    socket.onopen = () => events.open?.();
    socket.onclose = (ev) => {
      this.stopPings();
      events.close?.(ev.code, ev.reason);
    };
    socket.onmessage = (ev) => this.receive(ev.data);
  }

  get isOpen(): boolean {
    return this.socket.readyState === SOCKET_OPEN;
  }

  /** Sends session.hello; `uplink` is offered as Opus input and used if the pod takes it. */
  hello(over: HelloOptions = {}, uplink: UplinkEncoder | null = null): Hello {
    this.uplinkOffer = uplink;
    const msg = helloMessage(over);
    this.send(msg);
    return msg;
  }

  send(msg: ClientMessage): void {
    if (this.isOpen) this.socket.send(encodeMessage(msg));
  }

  /**
   * One microphone frame in the negotiated codec. `sampleRate` other than the negotiated one sends
   * PCM at that rate (what a misbehaving client would, for tests of the pod's checks).
   */
  sendAudio(samples: Int16Array, sampleRate?: SampleRate): void {
    if (!this.isOpen) return;
    const rate = this.ready?.audio.input.sampleRate ?? 16000;
    const opus = this.uplink && (sampleRate === undefined || sampleRate === rate) ? this.uplink : null;
    const bytes = opus
      ? this.input.encodeOpus(opus.encode(samples), samples.length)
      : this.input.encode(samples, sampleRate ? { sampleRate } : {});
    this.bytesSent += bytes.byteLength;
    this.socket.send(bytes);
  }

  /** Pings every `everyMs` (and once now), reporting each round trip; RunPod's proxy cuts idle sockets at ~100 s. */
  startPings(everyMs: number): void {
    this.stopPings();
    const ping = () => this.send({ type: "ping", id: ++this.pingId, t: this.now() });
    ping();
    this.pingTimer = setInterval(ping, everyMs);
  }

  stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  close(code = 1000, reason = "bye"): void {
    this.stopPings();
    this.socket.close(code, reason);
  }

  /** Forgets this socket: nothing more is reported (switching conversation, a newer socket). */
  detach(): void {
    this.stopPings();
    this.socket.onmessage = null;
    this.socket.onclose = null;
    this.socket.onopen = null;
  }

  private receive(data: unknown): void {
    const at = this.now();
    if (typeof data !== "string") {
      const bytes = toBytes(data);
      if (!bytes) return;
      let frame: AudioFrame;
      try {
        frame = decodeAudioFrame(bytes);
      } catch {
        return; // a malformed frame from the pod is dropped, not fatal
      }
      this.events.frame?.(frame, bytes.byteLength, at);
      return;
    }
    let msg: ServerMessage;
    try {
      msg = parseServerMessage(data);
    } catch (err) {
      if (err instanceof ProtocolError) return;
      throw err;
    }
    if (msg.type === "session.ready") {
      this.ready = msg;
      this.uplink = msg.audio.input.codec === "opus" ? this.uplinkOffer : null;
      this.input = new AudioStreamEncoder(FrameKind.InputAudio, 1, msg.audio.input.sampleRate as SampleRate);
      if (msg.conversationId) this.conversationId = msg.conversationId;
    } else if (msg.type === "conversation.started") {
      this.conversationId = msg.conversationId;
    } else if (msg.type === "ping") {
      this.send({ type: "pong", id: msg.id, t: msg.t });
    } else if (msg.type === "pong") {
      this.events.rtt?.(at - msg.t);
    }
    this.events.message?.(msg, at);
  }
}

/** Binary data as the browser (ArrayBuffer) or `ws` (ArrayBuffer with binaryType "arraybuffer", else a Buffer) delivers it. */
function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
