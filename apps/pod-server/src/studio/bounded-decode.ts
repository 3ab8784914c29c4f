/**
 * Decoding an uploaded clip with sox under bounds, so a crafted file cannot hold a core or the
 * pod's memory: wall time, CPU seconds and address space (ulimit on the sox process), and the
 * decoded size. Past any bound sox is killed and the upload is refused with E_AUDIO_FORMAT.
 */
import { spawn } from "node:child_process";
import { ProtocolError } from "@fireside/protocol";

export interface DecodeBounds {
  /** Wall-clock limit for one decode. */
  timeoutMs: number;
  /** CPU seconds sox may use (ulimit -t). */
  cpuSeconds: number;
  /** Address space sox may map, in KiB (ulimit -v). */
  memoryKiB: number;
  /** Decoded WAV bytes at most: more than any accepted clip can hold. */
  maxOutputBytes: number;
}

/** A 31 s clip at 48 kHz in 8 channels of 16 bits is 24 MB: twice that is never a real clip. */
export const DEFAULT_DECODE_BOUNDS: DecodeBounds = { timeoutMs: 20_000, cpuSeconds: 15, memoryKiB: 512 * 1024, maxOutputBytes: 48 << 20 };

/** `type`'s bytes as 16-bit WAV, at most `seconds` of it. */
export function soxToWav(
  bytes: Uint8Array,
  type: string,
  seconds: number,
  bounds: DecodeBounds = DEFAULT_DECODE_BOUNDS,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const limits = `ulimit -t ${bounds.cpuSeconds} && ulimit -v ${bounds.memoryKiB} && exec sox "$@"`;
    const p = spawn("sh", ["-c", limits, "sox", "-t", type, "-", "-t", "wav", "-b", "16", "-", "trim", "0", String(seconds)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let size = 0;
    let err = "";
    let refused: string | null = null;
    const refuse = (why: string) => {
      refused ??= why;
      p.kill("SIGKILL");
    };
    const timer = setTimeout(() => refuse(`it took longer than ${bounds.timeoutMs / 1000} s to decode`), bounds.timeoutMs);
    p.stdout.on("data", (d: Buffer) => {
      size += d.length;
      if (size > bounds.maxOutputBytes) refuse("it decodes to more audio than a reference clip can hold");
      else out.push(d);
    });
    p.stderr.on("data", (d: Buffer) => {
      if (err.length < 4096) err += d;
    });
    p.on("error", (e) => {
      clearTimeout(timer);
      reject(new ProtocolError("E_INTERNAL", `cannot run sox to decode ${type}: ${e.message}`));
    });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const name = type.toUpperCase();
      if (refused) reject(new ProtocolError("E_AUDIO_FORMAT", `the ${name} data was not decoded: ${refused}`));
      else if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else if (signal === "SIGXCPU" || signal === "SIGKILL")
        reject(new ProtocolError("E_AUDIO_FORMAT", `the ${name} data was not decoded: it needed more than its share of the pod`));
      else reject(new ProtocolError("E_AUDIO_FORMAT", `the ${name} data could not be decoded: ${err.trim().split("\n").pop() ?? ""}`));
    });
    p.stdin.on("error", () => {}); // sox may exit before reading everything
    p.stdin.end(bytes);
  });
}
