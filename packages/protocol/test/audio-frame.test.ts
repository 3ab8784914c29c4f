/** Binary audio frames. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIO_HEADER_BYTES,
  AudioCodec,
  type AudioFrame,
  decodeAudioFrame,
  encodeAudioFrame,
  FrameKind,
  LIMITS,
  pcmSamples,
  SAMPLE_RATES,
} from "../src/index.js";
import { codeOf } from "./protocol-error.js";

const frameArb: fc.Arbitrary<AudioFrame> = fc.record({
  kind: fc.constantFrom(FrameKind.InputAudio, FrameKind.OutputAudio),
  codec: fc.constant(AudioCodec.PcmS16le),
  last: fc.boolean(),
  streamId: fc.nat({ max: 0xffffffff }),
  seq: fc.nat({ max: 0xffffffff }),
  sampleRate: fc.constantFrom(...SAMPLE_RATES),
  sampleOffset: fc.nat({ max: 0xffffffff }),
  samples: fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }).map((a) => Int16Array.from(a)),
});

describe("binary audio frames", () => {
  it("round-trip every field and sample", () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const decoded = decodeAudioFrame(encodeAudioFrame(frame));
        expect({ ...decoded, samples: Array.from(pcmSamples(decoded)) }).toEqual({ ...frame, samples: Array.from(pcmSamples(frame)) });
      }),
    );
  });

  it("decode a frame that sits at an odd offset inside a larger buffer", () => {
    const bytes = encodeAudioFrame({
      kind: 1,
      codec: 1,
      last: false,
      streamId: 2,
      seq: 3,
      sampleRate: 16000,
      sampleOffset: 9,
      samples: Int16Array.of(1, -2, 3),
    });
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    expect(Array.from(pcmSamples(decodeAudioFrame(padded.subarray(1))))).toEqual([1, -2, 3]);
  });

  it("reject truncated headers", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: AUDIO_HEADER_BYTES - 1 }), (bytes) => {
        expect(codeOf(() => decodeAudioFrame(bytes))).toBe("E_BAD_FRAME");
      }),
    );
  });

  it("reject unknown kinds, codecs and flag bits", () => {
    fc.assert(
      fc.property(frameArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 3, max: 255 }), (frame, field, value) => {
        const bytes = encodeAudioFrame(frame);
        if (field === 0) bytes[0] = value;
        else if (field === 1) bytes[1] = value;
        else bytes[2] = value & 0xfe || 2;
        expect(codeOf(() => decodeAudioFrame(bytes))).toBe("E_BAD_FRAME");
      }),
    );
  });

  it("reject payloads that are not whole samples", () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const bytes = encodeAudioFrame(frame);
        const odd = new Uint8Array(bytes.length + 1);
        odd.set(bytes);
        expect(codeOf(() => decodeAudioFrame(odd))).toBe("E_BAD_FRAME");
      }),
    );
  });

  it("reject sample rates outside the supported set with E_AUDIO_FORMAT", () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), (frame, rate) => {
        fc.pre(!(SAMPLE_RATES as readonly number[]).includes(rate));
        const bytes = encodeAudioFrame(frame);
        new DataView(bytes.buffer).setUint32(12, rate, true);
        expect(codeOf(() => decodeAudioFrame(bytes))).toBe("E_AUDIO_FORMAT");
      }),
    );
  });

  it("reject oversize payloads on both encode and decode", () => {
    const samples = new Int16Array(LIMITS.maxAudioPayloadBytes / 2 + 1);
    const frame: AudioFrame = { kind: 1, codec: 1, last: false, streamId: 0, seq: 0, sampleRate: 48000, sampleOffset: 0, samples };
    expect(codeOf(() => encodeAudioFrame(frame))).toBe("E_FRAME_TOO_LARGE");
    const big = new Uint8Array(AUDIO_HEADER_BYTES + LIMITS.maxAudioPayloadBytes + 2);
    big.set(encodeAudioFrame({ ...frame, samples: new Int16Array(1) }).subarray(0, AUDIO_HEADER_BYTES));
    expect(codeOf(() => decodeAudioFrame(big))).toBe("E_FRAME_TOO_LARGE");
  });
});
