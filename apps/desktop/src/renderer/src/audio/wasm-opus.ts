/**
 * Opus for the microphone, encoded synchronously in WebAssembly: the libopus build that ships in
 * @evan/opus (the pod's own Opus library), driven through its C exports. Synchronous is the point:
 * WebCodecs' AudioEncoder answers later, so a commit could overtake an utterance's last packet (a
 * push-to-talk turn hung on that); here a frame is a packet before the next line runs.
 */
import opusWasmUrl from "@evan/opus/wasm/opus.wasm?url";

interface OpusExports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(state: number, sampleRate: number, channels: number, application: number): number;
  opus_encoder_ctl_set(state: number, request: number, value: number): number;
  opus_encode(state: number, pcm: number, frameSamples: number, out: number, maxBytes: number): number;
  _initialize?: () => void;
}

const APPLICATION_VOIP = 2048;
const SET_BITRATE = 4002;
const MAX_PACKET = 1500;

/** The module's imports: a reactor build that never writes files and never exits. */
const IMPORTS = {
  wasi_snapshot_preview1: { fd_seek: () => 0, fd_write: () => 0, fd_close: () => 0, proc_exit: () => {} },
  env: { emscripten_notify_memory_growth: () => {} },
};

/** The module's bytes: fetch where it can; XMLHttpRequest where the page is a file (Electron's loadFile). */
async function fetchBytes(url: string): Promise<ArrayBuffer> {
  try {
    const res = await fetch(url);
    if (res.ok) return await res.arrayBuffer();
  } catch {
    // file: URLs are not fetchable in Chromium
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.responseType = "arraybuffer";
    xhr.onload = () => (xhr.response ? resolve(xhr.response as ArrayBuffer) : reject(new Error(`cannot load ${url}`)));
    xhr.onerror = () => reject(new Error(`cannot load ${url}`));
    xhr.send();
  });
}

export class WasmOpusEncoder {
  private constructor(
    private readonly w: OpusExports,
    private readonly state: number,
    private readonly pcm: number,
    private readonly out: number,
    /** Samples per packet (20 ms); shorter input is padded with silence. */
    readonly frameSamples: number,
  ) {}

  /** `wasm`: the module's bytes (tests); by default the app fetches its own copy. */
  static async create(sampleRate: number, bitrate: number, frameMs = 20, wasm?: BufferSource): Promise<WasmOpusEncoder> {
    const bytes = wasm ?? (await fetchBytes(opusWasmUrl));
    const { instance } = await WebAssembly.instantiate(bytes, IMPORTS);
    const w = instance.exports as unknown as OpusExports;
    w._initialize?.();
    const frameSamples = (sampleRate * frameMs) / 1000;
    const state = w.malloc(w.opus_encoder_get_size(1));
    const check = (code: number, what: string) => {
      if (code < 0) throw new Error(`Opus ${what} failed (${code})`);
    };
    check(w.opus_encoder_init(state, sampleRate, 1, APPLICATION_VOIP), "encoder set-up");
    check(w.opus_encoder_ctl_set(state, SET_BITRATE, bitrate), "bitrate");
    return new WasmOpusEncoder(w, state, w.malloc(frameSamples * 2), w.malloc(MAX_PACKET), frameSamples);
  }

  /** One packet for up to frameSamples samples. */
  encode(samples: Int16Array): Uint8Array {
    const n = this.frameSamples;
    // Views are made per call: the module's memory may have grown since the last one.
    const pcm = new Int16Array(this.w.memory.buffer, this.pcm, n);
    pcm.set(samples.subarray(0, n));
    if (samples.length < n) pcm.fill(0, samples.length);
    const bytes = this.w.opus_encode(this.state, this.pcm, n, this.out, MAX_PACKET);
    if (bytes < 0) throw new Error(`Opus encoding failed (${bytes})`);
    return new Uint8Array(this.w.memory.buffer, this.out, bytes).slice();
  }

  close(): void {
    for (const ptr of [this.state, this.pcm, this.out]) this.w.free(ptr);
  }
}
