/**
 * Opus both ways against the real pod on the CPU engines: the same spoken questions over Opus and
 * over PCM are transcribed as well, the reply comes back as Opus that decodes to speech, the
 * uplink stays within a voice client's budget, and bad Opus input gets its typed error.
 */
import { rms } from "@fireside/audio";
import { AudioCodec, AudioStreamEncoder, encodeAudioFrame, FrameKind } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PodProcess, startPod } from "../support/pod-process.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { synthesize, wordErrorRate } from "../support/speech.js";

const QUESTIONS = [
  "What is the capital city of France?",
  "How far away is the moon from the earth?",
  "Give me three tips for sleeping better.",
];

let pod: PodProcess;
beforeAll(async () => {
  pod = await startPod();
});
afterAll(async () => {
  await pod?.stop();
});

/** Speaks each question into a fresh session in `codec`; returns the transcripts and the wire figures. */
async function askAll(codec: "pcm_s16le" | "opus") {
  const client = await RealtimeClient.connect(pod.wsUrl);
  const ready = await client.hello({ language: "en" }, 16000, codec);
  expect(ready.audio.input.codec).toBe(codec);
  expect(ready.audio.output.codec).toBe(codec);
  let wer = 0;
  let spokenSeconds = 0;
  for (const q of QUESTIONS) {
    const from = client.messages.length;
    const audio = synthesize(q, { rate: 16000, padBefore: 0.3, padAfter: 1.2 });
    spokenSeconds += audio.length / 16000;
    await client.streamAudio(audio, 16000);
    const final = await client.waitFor("transcript.final", { from, timeoutMs: 60_000 });
    wer += wordErrorRate(q, final.value.text);
    const started = await client.waitFor("response.audio.started", { from, timeoutMs: 60_000 });
    expect(started.value.format.codec).toBe(codec);
    await client.waitFor("response.completed", { from, timeoutMs: 120_000 });
  }
  const replySamples = client.frames.reduce((n, f) => n + f.value.samples.length, 0);
  const reply = new Float32Array(replySamples);
  let o = 0;
  for (const f of client.frames) for (const s of f.value.samples) reply[o++] = s / 32768;
  client.close();
  return {
    wer: wer / QUESTIONS.length,
    uplinkKbps: (client.bytesSent * 8) / spokenSeconds / 1000,
    downlinkKbps: (client.bytesReceived * 8) / (replySamples / 24000) / 1000,
    replySeconds: replySamples / 24000,
    replyRms: rms(reply, 0, reply.length),
  };
}

describe("Opus on the wire", () => {
  it("a spoken turn over Opus transcribes as well as over PCM, at a fraction of the bytes", async () => {
    const pcm = await askAll("pcm_s16le");
    const opus = await askAll("opus");
    console.log(`opus vs pcm: ${JSON.stringify({ pcm, opus })}`);
    expect(opus.wer).toBeLessThanOrEqual(pcm.wer + 0.05);
    // A voice client's budget: 20 ms packets at 24 kbit/s plus the 20-byte frame headers.
    expect(opus.uplinkKbps).toBeLessThanOrEqual(34);
    expect(pcm.uplinkKbps).toBeGreaterThan(256);
    // The reply decodes to speech, at about 32 kbit/s of Opus instead of 384 of PCM.
    expect(opus.replySeconds).toBeGreaterThan(1);
    expect(opus.replyRms).toBeGreaterThan(0.01);
    expect(opus.downlinkKbps).toBeLessThan(pcm.downlinkKbps / 4);
  });

  it("bad Opus input gets a typed error and the session carries on", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    await client.hello({}, 16000, "opus");
    // A PCM frame on a stream negotiated as Opus.
    let from = client.messages.length;
    client.ws.send(new AudioStreamEncoder(FrameKind.InputAudio, 1, 16000).encode(new Int16Array(320)));
    expect((await client.waitFor("error", { from })).value.code).toBe("E_AUDIO_FORMAT");
    // An Opus frame whose packet is not Opus.
    from = client.messages.length;
    client.ws.send(
      encodeAudioFrame({
        kind: FrameKind.InputAudio,
        codec: AudioCodec.Opus,
        last: false,
        streamId: 1,
        seq: 0,
        sampleRate: 16000,
        sampleOffset: 0,
        packet: Uint8Array.from({ length: 40 }, (_, i) => (i * 97 + 13) & 0xff),
      }),
    );
    const bad = (await client.waitFor("error", { from })).value;
    expect(["E_BAD_FRAME", "E_AUDIO_FORMAT"]).toContain(bad.code);
    from = client.messages.length;
    client.send({ type: "ping", id: 7, t: 1 });
    await client.waitFor("pong", { from });
    client.close();
  });
});
