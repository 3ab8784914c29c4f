/**
 * TEST DOUBLES for the renderer's voice session: a fake pod transport (records what the session
 * sends, delivers what a test says the pod sent), a fake player and a fake microphone. Not features.
 */
import type { ClientMessage, ServerMessage, ServerMessageOf } from "@fireside/protocol";
import type { MicCallbacks } from "../src/renderer/src/audio/microphone";
import type { MicLike, PlayerLike, PlayerStats } from "../src/renderer/src/session/voice-session-deps";
import type { ConnectionStatus, PodTransport, TransportOptions } from "../src/renderer/src/transport/pod-transport";

/** A session.ready as a pod would send it; the n-th session of a client gets resume token `token-n`. */
export function sessionReady(n: number, extra: Partial<ServerMessageOf<"session.ready">> = {}): ServerMessageOf<"session.ready"> {
  return {
    type: "session.ready",
    protocol: "fireside.v1",
    sessionId: "sess_test",
    resumeToken: `token-${n}`,
    resumeGraceMs: 120_000,
    resumed: n > 1,
    audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
    capabilities: {
      engines: {
        vad: { name: "v", model: "m", device: "cpu" },
        asr: { name: "a", model: "m", device: "cpu" },
        llm: { name: "l", model: "m", device: "cpu" },
        tts: { name: "t", model: "m", device: "cpu" },
      },
      voices: [],
      sampleRates: [16000, 24000],
      turnDetection: ["client_vad", "server_vad"],
      codecs: ["pcm_s16le", "opus"],
      asrPartials: false,
      gpus: [],
      degraded: [],
    },
    ...extra,
  };
}

export class FakeTransport implements PodTransport {
  readonly sent: ClientMessage[] = [];
  audioFrames = 0;
  continued: (string | null)[] = [];
  private ready = false;

  constructor(readonly opts: TransportOptions) {}

  connect(): void {
    this.status("connecting");
  }
  close(): void {
    this.ready = false;
    this.opts.onStatus("disconnected", null);
  }
  send(msg: ClientMessage): void {
    this.sent.push(msg);
  }
  sendAudio(): void {
    if (this.ready) this.audioFrames++;
  }
  get isReady(): boolean {
    return this.ready;
  }
  continueConversation(id: string | null): void {
    this.continued.push(id);
  }

  /** The pod answers hello. */
  accept(): void {
    this.ready = true;
    this.pod(sessionReady(1));
    this.status("connected");
  }
  /** The link drops; the transport is trying again. */
  drop(): void {
    this.ready = false;
    this.status("reconnecting", "Lost the pod connection. Retrying in 1 s…");
  }
  status(s: ConnectionStatus, notice: string | null = null): void {
    this.opts.onStatus(s, notice);
  }
  pod(msg: ServerMessage): void {
    this.opts.onMessage(msg);
  }
  /** Reply audio for stream `streamId`. */
  audio(streamId: number, last: boolean): void {
    this.opts.onAudio({ kind: 2, codec: 1, last, streamId, seq: 0, sampleRate: 24000, sampleOffset: 0, samples: new Int16Array(960) });
  }
  of<T extends ClientMessage["type"]>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<ClientMessage, { type: T }>[];
  }
}

export class FakePlayer implements PlayerLike {
  readonly calls: string[] = [];
  played = 0;
  constructor(
    private readonly onStats: (s: PlayerStats) => void,
    private readonly onFinished: (played: number) => void,
  ) {}
  begin(): void {
    this.calls.push("begin");
  }
  push(samples: Int16Array): void {
    this.played += samples.length;
  }
  pause(): void {
    this.calls.push("pause");
  }
  resume(): void {
    this.calls.push("resume");
  }
  async clear(): Promise<number> {
    this.calls.push("clear");
    return this.played;
  }
  async close(): Promise<void> {}
  /** The speaker is playing what it was given. */
  playing(): void {
    this.onStats({ played: this.played, buffered: 0, underruns: 0, playing: true, level: 0.1 });
  }
  /** Playback ran dry (the next clause has not arrived): not playing, not finished. */
  underrun(): void {
    this.onStats({ played: this.played, buffered: 0, underruns: 1, playing: false, level: 0 });
  }
  /** The reply played to its end. */
  finished(): void {
    this.onStats({ played: this.played, buffered: 0, underruns: 0, playing: false, level: 0 });
    this.onFinished(this.played);
  }
}

export class FakeMic implements MicLike {
  cb: MicCallbacks | null = null;
  async destroy(): Promise<void> {}
  setOptions(): void {}
  /** One 32 ms frame at the given speech probability. */
  frame(p: number): void {
    this.cb?.onFrame(new Float32Array(512).fill(p > 0.5 ? 0.2 : 0), p);
  }
}
