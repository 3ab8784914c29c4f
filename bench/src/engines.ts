/** Real-time factor of each real CPU engine on its registry model (processing time ÷ audio time). */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import { loadConfig, windowStart } from "@fireside/pod-server";
import {
  type ChatMessage,
  createGe2eEncoder,
  createLlamaCpp,
  createPiper,
  createSileroVad,
  createWhisperCpp,
  resolveModel,
} from "@fireside/pod-server/engines";
import { percentile } from "./child.js";

function speech(text: string): Float32Array {
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "a.wav"), text]);
  execFileSync("sox", [join(dir, "a.wav"), "-r", "16000", join(dir, "b.wav")]);
  return readWav(readFileSync(join(dir, "b.wav"))).samples;
}

export async function benchEngines() {
  const config = loadConfig();
  const fetch = { cacheDir: config.modelsDir };
  const machine = { cpu: cpus()[0]?.model, cores: availableParallelism() };
  const utterances = {
    "2s": speech("Turn on the kitchen lights."),
    "5s": speech("What is the weather going to be like tomorrow morning in the city of Paris?"),
    "10s": speech(
      "I would like you to remind me to call my sister on Sunday afternoon, and also to buy bread, milk and some fresh vegetables on the way home.",
    ),
  };

  const vad = await createSileroVad((await resolveModel("silero-vad-v5", fetch)).path);
  const stream = vad.createStream();
  const u = utterances["10s"];
  let t = performance.now();
  for (let i = 0; i + 512 <= u.length; i += 512) await stream.process(u.subarray(i, i + 512));
  const vadMs = performance.now() - t;
  const vadResult = { model: "silero_vad_v5", msPerFrame: vadMs / Math.floor(u.length / 512), rtf: vadMs / ((u.length / 16000) * 1000) };
  await vad.close();

  const asrModel = await resolveModel("whisper-base", fetch);
  const asr = await createWhisperCpp({
    modelPath: asrModel.path,
    modelName: asrModel.name,
    threads: availableParallelism(),
    partials: false,
    fitContext: true,
  });
  const asrResult: Record<string, { ms: number; rtf: number }> = {};
  for (const [k, audio] of Object.entries(utterances)) {
    t = performance.now();
    await asr.transcribe(audio, { language: "en" });
    const ms = performance.now() - t;
    asrResult[k] = { ms: Math.round(ms), rtf: ms / ((audio.length / 16000) * 1000) };
  }
  await asr.close();

  const llmModel = await resolveModel("smollm2-135m", fetch);
  const llm = await createLlamaCpp({
    modelPath: llmModel.path,
    modelName: llmModel.name,
    threads: 1,
    contextSize: 2048,
    parallel: 1,
    gpu: false,
  });
  const ttft: number[] = [];
  const tps: number[] = [];
  for (let i = 0; i < 4; i++) {
    t = performance.now();
    let first = 0;
    let chunks = 0;
    for await (const _ of llm.stream(
      [
        { role: "system", content: "You are a helpful voice assistant." },
        { role: "user", content: "Tell me three facts about the moon." },
      ],
      { signal: new AbortController().signal, maxTokens: 64, temperature: 0 },
    )) {
      if (!first) first = performance.now() - t;
      chunks++;
    }
    ttft.push(first);
    tps.push((chunks * 1000) / (performance.now() - t - first));
  }
  const longTalk = await benchLongTalk(llm);
  await llm.close();

  const ttsModel = await resolveModel("piper-en_US-joe-medium", fetch);
  const tts = await createPiper({ modelPath: ttsModel.path, voiceId: "en_US-joe-medium", threads: 1 });
  const firstChunk: number[] = [];
  let ttsMs = 0;
  let ttsAudio = 0;
  for (const sentence of ["Sure, here it is.", "The moon is about three hundred eighty thousand kilometres away from the earth."]) {
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      let first = 0;
      for await (const c of tts.synthesize(sentence, { signal: new AbortController().signal })) {
        if (!first) first = performance.now() - t;
        ttsAudio += c.length;
      }
      ttsMs += performance.now() - t;
      firstChunk.push(first);
    }
  }
  await tts.close();

  // Speaker encoder: one embedding of a 10 s clip (the upload check) and of a 30 s clip (the longest reference).
  const speakerModel = await resolveModel("resemblyzer-ge2e", fetch);
  const encoder = await createGe2eEncoder({ modelPath: speakerModel.path, modelName: speakerModel.name });
  const long = new Float32Array(30 * 16000).map((_, i) => u[i % u.length]!);
  const speakerMs: Record<string, number> = {};
  for (const [k, audio] of Object.entries({ "10s": u, "30s": long })) {
    await encoder.embed(audio); // warm
    t = performance.now();
    await encoder.embed(audio);
    speakerMs[k] = Math.round(performance.now() - t);
  }
  await encoder.close();
  return {
    machine,
    vad: vadResult,
    asr: { model: asrModel.name, threads: availableParallelism(), ...asrResult },
    llm: {
      model: llmModel.name,
      threads: 1,
      timeToFirstTokenMs: { p50: percentile(ttft.slice(1), 50) },
      chunksPerSecond: percentile(tps, 50),
      longTalk,
    },
    speaker: { model: speakerModel.name, embedMs: speakerMs },
    tts: {
      model: "en_US-joe-medium",
      rtf: ttsMs / ((ttsAudio / tts.sampleRate) * 1000),
      firstAudioMs: { p50: percentile(firstChunk, 50) },
    },
  };
}

/**
 * A talk of 32 turns with the server's prompt window (20 exchanges at most): time to the first
 * token and prompt tokens evaluated, over the turns before the window is full and after it starts
 * moving (once, the whole history was evaluated again on every turn past the 20th).
 */
async function benchLongTalk(llm: Awaited<ReturnType<typeof createLlamaCpp>>) {
  const questions = [
    "What time is it?",
    "Tell me a joke.",
    "What is the capital of France?",
    "Why is the sky blue?",
    "Name a fruit.",
    "How far is the moon?",
  ];
  const messages: ChatMessage[] = [];
  const rows: { ms: number; evaluated: number }[] = [];
  for (let i = 0; i < 32; i++) {
    messages.push({ role: "user", content: questions[i % questions.length]! });
    const prompt: ChatMessage[] = [
      { role: "system", content: "You are a helpful voice assistant." },
      ...messages.slice(windowStart(messages.length, 20)),
    ];
    const before = llm.promptTokens().evaluated;
    const t = performance.now();
    let first = 0;
    let reply = "";
    for await (const d of llm.stream(prompt, { signal: new AbortController().signal, maxTokens: 24, temperature: 0, cacheKey: "talk" })) {
      if (!first) first = performance.now() - t;
      reply += d;
    }
    messages.push({ role: "assistant", content: reply });
    rows.push({ ms: Math.round(first), evaluated: llm.promptTokens().evaluated - before });
  }
  const part = (xs: typeof rows) => ({
    firstTokenMs: {
      p50: percentile(
        xs.map((r) => r.ms),
        50,
      ),
      max: Math.max(...xs.map((r) => r.ms)),
    },
    evaluatedTokens: {
      p50: percentile(
        xs.map((r) => r.evaluated),
        50,
      ),
      max: Math.max(...xs.map((r) => r.evaluated)),
    },
  });
  return { turns2to20: part(rows.slice(1, 20)), turns21to32: part(rows.slice(20)) };
}
