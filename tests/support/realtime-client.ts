/**
 * The tests' and benchmarks' realtime client, on the shared protocol client (@fireside/client) over
 * Node's `ws`: it streams audio paced like a microphone, records every message with its arrival
 * time, and plays received audio through the same PlayoutQueue the desktop app uses, in real time,
 * so it can report what was heard.
 */

import { floatToInt16, int16ToFloat, PlayoutQueue } from "@fireside/audio";
import { type HelloOptions, RealtimeConnection, type SocketLike } from "@fireside/client";
import {
  AudioCodec,
  type ClientMessage,
  type CodecName,
  type PcmAudioFrame,
  type SampleRate,
  type ServerMessage,
  type ServerMessageOf,
} from "@fireside/protocol";
import WebSocket from "ws";
import { opusMicrophone, replyDecoder } from "./node-opus.js";

/** A received frame as PCM (Opus frames decoded on arrival). */
export type PcmFrame = PcmAudioFrame;

export interface Received<T> {
  at: number;
  value: T;
}

export class RealtimeClient {
  readonly messages: Received<ServerMessage>[] = [];
  readonly frames: Received<PcmFrame>[] = [];
  /** Audio frame bytes received (header and payload), for bitrates. */
  bytesReceived = 0;
  readonly player: PlayoutQueue;
  closeCode: number | null = null;
  readonly connection: RealtimeConnection;
  private decode = replyDecoder(24000);
  private waiters: (() => void)[] = [];
  private playTimer: NodeJS.Timeout | null = null;
  /** The response whose audio the player holds. */
  private playing: string | null = null;

  private constructor(
    readonly ws: WebSocket,
    readonly outputRate: number,
  ) {
    this.player = new PlayoutQueue((outputRate * 60) / 1000);
    this.connection = new RealtimeConnection(ws as unknown as SocketLike, {
      frame: (wire, bytes, at) => {
        this.bytesReceived += bytes;
        const samples = this.decode(wire);
        this.frames.push({ at, value: { ...wire, codec: AudioCodec.PcmS16le, samples } });
        this.player.push(int16ToFloat(samples));
        if (wire.last) this.player.end();
        this.wake();
      },
      message: (msg, at) => {
        this.messages.push({ at, value: msg });
        if (msg.type === "response.audio.started") {
          this.player.reset();
          this.playing = msg.responseId;
        }
        // The pod judges a sound over the reply: hold playback where it is until it says.
        if (msg.type === "response.paused" && msg.responseId === this.playing) this.player.pause();
        if (msg.type === "response.resumed" && msg.responseId === this.playing) this.player.resume();
        if (msg.type === "response.interrupted" && msg.responseId === this.playing) this.player.clear();
        this.wake();
      },
      close: (code) => {
        this.closeCode = code;
        this.wake();
      },
    });
  }

  /** Encoded audio bytes sent (header and payload), for bitrates. */
  get bytesSent(): number {
    return this.connection.bytesSent;
  }

  /** `localAddress`: connect from another loopback address (127.0.0.2 …), as a second client machine would. */
  static async connect(
    url: string,
    opts: { outputRate?: number; headers?: Record<string, string>; localAddress?: string } = {},
  ): Promise<RealtimeClient> {
    const ws = new WebSocket(url, { headers: opts.headers ?? {}, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const client = new RealtimeClient(ws, opts.outputRate ?? 24000);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  send(msg: ClientMessage): void {
    this.connection.send(msg);
  }

  /** `codec`: both directions; opus input is encoded at 24 kbit/s like a voice client would. */
  async hello(
    over: HelloOptions = {},
    inputRate: SampleRate = 16000,
    codec: CodecName = "pcm_s16le",
  ): Promise<ServerMessageOf<"session.ready">> {
    this.decode = replyDecoder(this.outputRate as SampleRate);
    this.connection.hello(
      {
        audio: { input: { codec, sampleRate: inputRate }, output: { codec, sampleRate: this.outputRate as SampleRate } },
        client: { name: "fireside-tests", version: "0" },
        ...over,
      },
      codec === "opus" ? opusMicrophone(inputRate) : null,
    );
    return (await this.waitFor("session.ready")).value;
  }

  /** Waits for the next message of `type` (after index `from`) that satisfies `pred`. */
  async waitFor<T extends ServerMessage["type"]>(
    type: T,
    opts: { pred?: (m: ServerMessageOf<T>) => boolean; timeoutMs?: number; from?: number } = {},
  ): Promise<Received<ServerMessageOf<T>>> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (let i = opts.from ?? 0; ; ) {
      for (; i < this.messages.length; i++) {
        const m = this.messages[i]!;
        if (m.value.type === type && (!opts.pred || opts.pred(m.value as ServerMessageOf<T>))) return m as Received<ServerMessageOf<T>>;
      }
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${type}; got ${this.messages.map((m) => m.value.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  of<T extends ServerMessage["type"]>(type: T): ServerMessageOf<T>[] {
    return this.messages.filter((m) => m.value.type === type).map((m) => m.value as ServerMessageOf<T>);
  }

  /** One frame in the negotiated codec (`rate` other than the stream's sends PCM, for tests of rate checks). */
  sendAudioFrame(samples: Int16Array, rate: SampleRate): void {
    this.connection.sendAudio(samples, rate);
  }

  /** Streams float audio as 20 ms frames in real time, like a microphone. */
  async streamAudio(audio: Float32Array, rate: SampleRate, opts: { stopWhen?: () => boolean } = {}): Promise<void> {
    const frame = (rate * 20) / 1000;
    const pcm = floatToInt16(audio);
    const start = performance.now();
    for (let i = 0, k = 0; i < pcm.length; i += frame, k++) {
      if (opts.stopWhen?.() || this.ws.readyState !== WebSocket.OPEN) return;
      this.sendAudioFrame(pcm.subarray(i, i + frame), rate);
      const wait = start + (k + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Plays received audio in real time (20 ms ticks), as a speaker would. */
  startPlayback(): void {
    const tick = new Float32Array((this.outputRate * 20) / 1000);
    let last = performance.now();
    const start = new Float32Array(0);
    this.playTimer = setInterval(() => {
      const now = performance.now();
      if (!this.player.stats.playing) {
        // A speaker cannot play audio before it arrives: while nothing plays, no time is owed
        // (catching up a late tick here once "played" a reply up to a tick before its first frame
        // came, and a drop right after the end then looked early to the pod). Starts once the lead is here.
        this.player.pull(start);
        last = now;
      }
      // Catch up on late timer ticks so the played count follows the wall clock.
      while (now - last >= 20) {
        this.player.pull(tick);
        last += 20;
      }
    }, 5);
  }

  close(): void {
    if (this.playTimer) clearInterval(this.playTimer);
    this.ws.close();
  }

  terminate(): void {
    if (this.playTimer) clearInterval(this.playTimer);
    this.ws.terminate();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
