/**
 * A spoken conversation with the real pod server process on the real CPU models: speech in at a
 * microphone's 48 kHz, transcript, streamed reply text and audio, metrics, and a barge-in — against
 * one pod, and the same against a fleet (three pods behind HAProxy, PostgreSQL, Redis).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { rms } from "@fireside/audio";
import { FrameKind } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../support/poll.js";
import { RealtimeClient } from "../support/realtime-client.js";
import { loadClip, SHARED_AUDIO, skipWithoutSharedAudio, synthesize, wordErrorRate } from "../support/speech.js";
import { startTarget, TARGETS, type Target } from "../support/target.js";

function writeArtifact(name: string, data: unknown) {
  mkdirSync("test-artifacts", { recursive: true });
  writeFileSync(`test-artifacts/${name}`, JSON.stringify(data, null, 2));
}

const lastFrameDelay = (client: RealtimeClient, streamId: number, t: number) =>
  Math.max(0, ...client.frames.filter((f) => f.value.streamId === streamId).map((f) => f.at - t));

/** Keeps a "microphone" open: silence after the utterance, as a real client streams. */
async function speak(client: RealtimeClient, audio: Float32Array, until: () => boolean) {
  await client.streamAudio(audio, 48000);
  const silence = new Float32Array(48000 * 0.2);
  while (!until()) await client.streamAudio(silence, 48000);
}

describe.each(TARGETS)("spoken conversation on CPU engines, %s", (kind) => {
  let pod: Target;
  beforeAll(async () => {
    // Partials on: each re-runs Whisper on the audio so far, which this test can afford.
    pod = await startTarget(kind, { FIRESIDE_ASR_PARTIAL_MS: "700" });
  });
  afterAll(async () => {
    await pod?.stop();
  });

  it("hears a question, answers in text and speech, reports metrics, and stops at once on barge-in", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    const ready = await client.hello({ language: "en" }, 48000);
    expect(ready.capabilities.engines.asr.name).toBe("whisper-cpp");
    expect(ready.audio.output.sampleRate).toBe(24000);
    client.startPlayback();

    // ---- turn 1: a question, spoken by espeak-ng, streamed in real time
    const question = "What is the capital city of France?";
    let done = false;
    const talking = speak(client, synthesize(question, { rate: 48000 }), () => done);
    const final = await client.waitFor("transcript.final", { timeoutMs: 60_000 });
    expect(wordErrorRate(question, final.value.text)).toBeLessThanOrEqual(0.35);
    const partials = client.of("transcript.partial");
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p.itemId === final.value.itemId)).toBe(true);
    const speechStoppedAt = (await client.waitFor("input.speech_stopped")).at;
    expect(final.value.language).toBe("en");
    const speechStarted = client.of("input.speech_started");
    expect(speechStarted[0]?.source).toBe("server");
    expect(client.of("input.committed")[0]?.durationMs).toBeGreaterThan(1500);

    const created = await client.waitFor("response.created");
    const completed = await client.waitFor("response.completed", { timeoutMs: 90_000 });
    done = true;
    await talking;
    expect(completed.value.status).toBe("completed");
    expect(completed.value.text.split(/\s+/).length).toBeGreaterThanOrEqual(3);
    const deltas = client.of("response.text.delta").filter((d) => d.responseId === created.value.responseId);
    expect(
      deltas
        .map((d) => d.delta)
        .join("")
        .trim(),
    ).toBe(completed.value.text);

    const started = client.of("response.audio.started")[0]!;
    expect(started.format).toEqual({ codec: "pcm_s16le", sampleRate: 24000 });
    const frames = client.frames.map((f) => f.value).filter((f) => f.streamId === created.value.streamId);
    expect(frames.every((f) => f.kind === FrameKind.OutputAudio && f.sampleRate === 24000)).toBe(true);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames.at(-1)!.last).toBe(true);
    const audio = new Float32Array(frames.reduce((n, f) => n + f.samples.length, 0));
    let o = 0;
    for (const f of frames) {
      for (let i = 0; i < f.samples.length; i++) audio[o + i] = f.samples[i]! / 32768;
      o += f.samples.length;
    }
    const done1 = await client.waitFor("response.audio.done");
    expect(done1.value.totalSamples).toBe(audio.length);
    expect(audio.length / 24000).toBeGreaterThan(0.8);
    expect(rms(audio)).toBeGreaterThan(0.02); // speech, not silence

    const metrics = (await client.waitFor("turn.metrics")).value.metrics;
    // Voice-to-voice is the client's to measure: end of speech → first reply audio in hand.
    const firstFrameAt = client.frames.find((f) => f.value.streamId === created.value.streamId)!.at;
    client.send({ type: "client.metrics", responseId: created.value.responseId, voiceToVoiceMs: firstFrameAt - speechStoppedAt });
    // ASR and the LLM may have finished during the end-of-turn silence (the pause's transcript, a
    // draft reply): their time after the commit can be 0. Every stage is still reported.
    for (const k of ["asrMs", "llmFirstTokenMs", "ttsFirstAudioMs"] as const) expect(metrics[k]).toBeGreaterThanOrEqual(0);
    expect(metrics.firstAudioSentMs).toBeGreaterThan(0);
    expect(metrics.firstAudioSentMs!).toBeGreaterThanOrEqual(metrics.asrMs!);

    // ---- turn 2: a request for a long answer, interrupted by speech while it plays
    await pollUntil("the first reply to finish playing", () => client.player.drained, 60_000);
    const mark = client.messages.length;
    done = false;
    const talking2 = speak(
      client,
      synthesize("Tell me a long story about a brave little dragon and a wizard.", { rate: 48000 }),
      () => done,
    );
    const created2 = await client.waitFor("response.created", { from: mark, timeoutMs: 60_000 });
    await client.waitFor("response.audio.started", { from: mark, timeoutMs: 60_000 });
    done = true;
    await talking2;
    // Let about a second of the reply play, then talk over it.
    await pollUntil("a second of the reply to play", () => client.player.stats.played >= client.outputRate, 30_000);
    const bargeMark = client.messages.length;
    let stopped = false;
    const interrupting = speak(client, synthesize("Stop, stop. That is enough, thank you.", { rate: 48000, padBefore: 0 }), () => stopped);
    const bargeIn = await client.waitFor("input.speech_started", { from: bargeMark, timeoutMs: 10_000 });
    // The client stops its speaker at once and says how much was heard.
    const played = client.player.clear();
    client.send({ type: "response.interrupt", responseId: created2.value.responseId, playedSamples: played });
    const ack = await client.waitFor("response.interrupted", { from: bargeMark });
    const completed2 = await client.waitFor("response.completed", {
      from: bargeMark,
      pred: (m) => m.responseId === created2.value.responseId,
    });
    stopped = true;
    await interrupting;

    const lateFrames = client.frames.filter((f) => f.value.streamId === created2.value.streamId && f.at > bargeIn.at + 100);
    expect(lateFrames).toHaveLength(0);
    expect(played).toBeGreaterThan(0);
    expect(ack.value.playedSamples).toBe(played);
    expect(completed2.value.status).toBe("interrupted");
    expect(completed2.value.text).toBe(ack.value.heardText);
    const fullText = client
      .of("response.text.delta")
      .filter((d) => d.responseId === created2.value.responseId)
      .map((d) => d.delta)
      .join("")
      .replace(/[*_#`>~]+/g, "")
      .replace(/\s+/g, " ")
      .trim();
    // What history keeps is what was heard: a strict prefix of what was generated.
    expect(fullText.startsWith(ack.value.heardText)).toBe(true);
    expect(ack.value.heardText.length).toBeLessThan(fullText.length);

    if (kind === "one pod")
      writeArtifact("conversation.json", {
        question: {
          spoken: question,
          transcript: final.value.text,
          reply: completed.value.text,
          metrics,
          replySeconds: audio.length / 24000,
        },
        bargeIn: {
          generated: fullText,
          heard: ack.value.heardText,
          playedSamples: played,
          lastFrameAfterBargeInMs: lastFrameDelay(client, created2.value.streamId, bargeIn.at),
        },
      });

    const prom = await pod.metrics();
    expect(prom).toMatch(/fireside_turn_stage_seconds_count\{stage="asr"\} [1-9]/);
    expect(prom).toMatch(/fireside_turns_total\{status="interrupted"\} [1-9]/);
    expect(prom).toMatch(/fireside_turn_stage_seconds_count\{stage="voice_to_voice"\} 1/);
    client.close();
  });

  it.skipIf(skipWithoutSharedAudio)("transcribes a real human voice clip (shared/audio/en_S1.flac)", async () => {
    const client = await RealtimeClient.connect(pod.wsUrl);
    await client.hello({ language: "en" }, 48000);
    let done = false;
    const talking = speak(client, loadClip(`${SHARED_AUDIO}/en_S1.flac`, 48000), () => done);
    const final = await client.waitFor("transcript.final", { timeoutMs: 90_000 });
    done = true;
    await talking;
    // No published transcript: these words are clearly audible at the clip's start.
    expect(final.value.text.toLowerCase()).toMatch(/talk about what happened/);
    client.close();
  });
});
