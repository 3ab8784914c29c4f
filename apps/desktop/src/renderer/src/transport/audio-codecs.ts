/**
 * The one place the app decides its audio codecs: Opus replies when the runtime decodes Opus
 * (WebCodecs), an Opus microphone when the WebAssembly encoder loads, PCM otherwise — offered in
 * hello, then set up as session.ready settled them.
 */
import type { UplinkEncoder } from "@fireside/client";
import type { ClientMessageOf, ServerMessageOf } from "@fireside/protocol";
import type { WasmOpusEncoder } from "../audio/wasm-opus";
import { OpusDownlink } from "../audio/webcodecs-opus";

type HelloAudio = ClientMessageOf<"session.hello">["audio"];

/** PCM both ways: what every pod and runtime can do. */
const PCM: HelloAudio = { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } };

export class CodecChoice {
  private micEncoder: Promise<WasmOpusEncoder | null> | null = null;

  /**
   * `opusReplies`: whether the runtime decodes Opus (webcodecs-opus.ts); without it replies stay PCM.
   * `opusMic`: makes the microphone's Opus encoder (wasm-opus.ts); null, or one that fails, sends PCM.
   */
  constructor(
    private readonly opusReplies: Promise<boolean> = Promise.resolve(false),
    private readonly opusMic: (() => Promise<WasmOpusEncoder>) | null = null,
  ) {}

  /** What to offer in hello, and the microphone encoder to use if the pod takes Opus input. */
  async offer(): Promise<{ audio: HelloAudio; uplink: UplinkEncoder | null }> {
    this.micEncoder ??= this.opusMic ? this.opusMic().catch(() => null) : Promise.resolve(null);
    const [replies, mic] = await Promise.all([this.opusReplies, this.micEncoder]);
    return {
      audio: {
        input: mic ? { codec: "opus", sampleRate: 16000 } : PCM.input,
        output: replies ? { codec: "opus", sampleRate: 24000 } : PCM.output,
      },
      uplink: mic,
    };
  }

  /** The reply decoder session.ready asks for: Opus packets → 24 kHz PCM16 in order; null for PCM. */
  downlink(ready: ServerMessageOf<"session.ready">, onPcm: (pcm: Int16Array) => void, onError: (err: Error) => void): OpusDownlink | null {
    return ready.audio.output.codec === "opus" ? new OpusDownlink(onPcm, onError) : null;
  }
}
