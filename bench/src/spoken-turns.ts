/**
 * Spoken turns measured from outside, as a user hears them: utterances of different lengths
 * (espeak-ng and flite questions, plus the real English clips in ../shared/audio where present) are
 * streamed in real time as 20 ms frames through the real server on the default CPU engines, with the
 * server's VAD deciding the end of each turn. Voice-to-voice is the time from the last voiced frame
 * sent to the first reply audio frame received (loopback: no network, no playback buffer), with
 * every server stage from turn.metrics beside it, and the word error rate of each transcript.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { concatFloat32, floatToInt16, rms } from "@fireside/audio";
import type { ServerMessageOf, TurnMetrics } from "@fireside/protocol";
import { startPod } from "../../tests/support/pod-process.js";
import { pollUntil } from "../../tests/support/poll.js";
import { RealtimeClient } from "../../tests/support/realtime-client.js";
import { loadClip, SHARED_AUDIO, synthesize, wordErrorRate } from "../../tests/support/speech.js";
import { percentile } from "./child.js";

const QUESTIONS = [
  "What time is it?",
  "Tell me a joke.",
  "What is the capital city of France?",
  "How far away is the moon from the earth?",
  "Can you recommend a good book about the history of science?",
  "What should I cook for dinner tonight if I only have eggs, rice and some spinach?",
  "Why is the sky blue?",
  "Give me three tips for sleeping better.",
  "What is the difference between a virus and a bacterium?",
  "How do I say thank you in Japanese?",
  "Explain in one sentence how a refrigerator keeps food cold.",
  "Who wrote the play Romeo and Juliet?",
];
/**
 * One sentence each, said with a natural pause in the middle (800 ms of silence, longer than the
 * default 600 ms end-of-turn wait): each must stay one turn.
 */
const PAUSED = [
  ["Can you tell me", "how far it is to the nearest train station?"],
  ["I was thinking about dinner and", "wondering what goes well with rice."],
  ["My brother is visiting next week.", "Where should we go for lunch?"],
];
const PAUSE_S = 0.8;
/**
 * Hesitant speech: a filler or an unfinished phrase, a thinking pause of 0.8–1.8 s, then the rest.
 * Each must stay one turn (the end-of-turn model and the words say "not done yet").
 */
const HESITANT: [string, string, number][] = [
  ["I was wondering, um,", "whether the museum is open on Sundays.", 1.2],
  ["So I need to buy", "uh, a present for my sister.", 0.9],
  ["Could you tell me, hmm,", "what the weather will be like tomorrow?", 1.5],
  ["I think the best way to", "get there is by bus, right?", 1.0],
  ["My favourite food is, um,", "probably pizza. What is yours?", 1.8],
  ["What was the name of the", "actor in that space movie?", 1.3],
  ["I'd like to learn", "about, er, how volcanoes form.", 0.8],
  ["Remind me, um,", "how many ounces are in a pound?", 1.6],
  ["Let me think, so the meeting is", "on Tuesday at three, is that right?", 1.1],
  ["Can you, uh,", "explain what inflation means?", 1.8],
  ["I want to cook something with", "chicken and lemon tonight.", 1.4],
  ["Well, I was going to ask", "about the best time to visit Rome.", 1.7],
];
/** Short, finished answers: each should end on the short wait. (Lone words — "Yes.", "Paris." — read by espeak-ng were not heard by Whisper base at all.) */
const SHORT = [
  "Yes, please.",
  "No, thank you.",
  "Paris, I think.",
  "Thank you very much.",
  "That sounds good.",
  "Good morning.",
  "I'm fine, thanks.",
  "Okay, let's do it.",
];
const FRAME = 320; // 20 ms at 16 kHz
/** A frame louder than this counts as voiced when finding the last spoken sample. */
const VOICED_RMS = 0.01;

export interface Utterance {
  name: string;
  text: string | null;
  audio: Float32Array;
}

export function utterances(): Utterance[] {
  const out: Utterance[] = [];
  for (const voice of ["espeak", "flite"] as const) {
    for (const text of QUESTIONS)
      out.push({ name: `${voice}: ${text}`, text, audio: synthesize(text, { rate: 16000, voice, padBefore: 0.5, padAfter: 0 }) });
  }
  for (const [a, b] of PAUSED) {
    const first = synthesize(a!, { rate: 16000, padBefore: 0.5, padAfter: PAUSE_S });
    const second = synthesize(b!, { rate: 16000, padBefore: 0, padAfter: 0 });
    out.push({ name: `paused: ${a} … ${b}`, text: `${a} ${b}`, audio: concatFloat32([first, second]) });
  }
  HESITANT.forEach(([a, b, pause], i) => {
    const voice = i % 2 ? "flite" : "espeak";
    const first = synthesize(a, { rate: 16000, voice, padBefore: 0.5, padAfter: pause });
    const second = synthesize(b, { rate: 16000, voice, padBefore: 0, padAfter: 0 });
    out.push({ name: `hesitant (${pause} s, ${voice}): ${a} … ${b}`, text: `${a} ${b}`, audio: concatFloat32([first, second]) });
  });
  SHORT.forEach((text, i) => {
    const voice = i % 2 ? "flite" : "espeak";
    out.push({ name: `short (${voice}): ${text}`, text, audio: synthesize(text, { rate: 16000, voice, padBefore: 0.5, padAfter: 0 }) });
  });
  for (const clip of ["en_S1", "en_S2"]) {
    const path = join(SHARED_AUDIO, `${clip}.flac`);
    if (existsSync(path)) out.push({ name: `shared/audio/${clip}.flac`, text: null, audio: loadClip(path, 16000, 0) });
  }
  // BENCH_ONLY=regex runs the utterances whose name matches (for quick looks; quote only full runs).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  return only ? out.filter((u) => only.test(u.name)) : out;
}

export const stats = (xs: number[]) => ({
  p50: Math.round(percentile(xs, 50)),
  p90: Math.round(percentile(xs, 90)),
  max: Math.round(Math.max(...xs)),
});

type Row = {
  name: string;
  turns: number;
  voiceToVoiceMs: number;
  wer: number | null;
  transcript: string;
  /** The rule that ended the (last) turn, and the end-of-turn model's probability. */
  endOfTurn?: ServerMessageOf<"turn.metrics">["endOfTurn"];
} & TurnMetrics;

/**
 * One utterance through one client, as a microphone would send it: the whole utterance in real
 * time (replies to parts of it are talked over, as a person would), then silence until a reply to
 * its last part starts; the user hears its first second and moves on (response.interrupt).
 */
export async function speakUtterance(client: RealtimeClient, u: Utterance): Promise<Row> {
  const pcm = floatToInt16(u.audio);
  let lastVoicedFrame = 0;
  for (let i = 0; i < u.audio.length; i += FRAME)
    if (rms(u.audio, i, Math.min(u.audio.length, i + FRAME)) > VOICED_RMS) lastVoicedFrame = i / FRAME;
  const from = client.messages.length;
  let lastVoicedSentAt = 0;
  let mark = 0;
  const start = performance.now();
  for (let k = 0; ; k++) {
    const i = k * FRAME;
    client.sendAudioFrame(i < pcm.length ? pcm.subarray(i, i + FRAME) : new Int16Array(FRAME), 16000);
    if (k === lastVoicedFrame) {
      lastVoicedSentAt = performance.now();
      mark = client.messages.length;
    }
    if (k > lastVoicedFrame && client.messages.slice(mark).some((m) => m.value.type === "response.audio.started")) break;
    const wait = start + (k + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (k > lastVoicedFrame + 3000) throw new Error(`no reply to "${u.name}" within a minute of its end`);
  }
  const started = (await client.waitFor("response.audio.started", { from: mark })).value;
  // The frame follows its response.audio.started message; wait for it to be here.
  await pollUntil("the reply's first frame", () => client.frames.some((f) => f.value.streamId === started.streamId), 10_000, 1);
  const firstFrameAt = client.frames.find((f) => f.value.streamId === started.streamId)!.at;
  const final = await client.waitFor("transcript.final", { from: mark });
  // The user hears the reply's first second and moves on: the pod keeps what was heard, so the
  // history holds answers as a real conversation's does. (Cancelling kept nothing, and after ~17
  // unanswered questions SmolLM2 answered everything with "What should I do?".)
  const heard = started.format.sampleRate;
  const received = () => client.frames.reduce((n, f) => n + (f.value.streamId === started.streamId ? f.value.samples.length : 0), 0);
  const sentInFull = () =>
    client.messages.slice(mark).some((m) => m.value.type === "response.audio.done" && m.value.responseId === started.responseId);
  await pollUntil("a second of the reply", () => received() >= heard || sentInFull(), 30_000, 5);
  // …in real time: the pod sends up to a second ahead, and a user cannot have heard a second of it
  // (nor all of a shorter one) before that much time has passed since it began.
  const heardMs = (Math.min(heard, received()) / heard) * 1000;
  await pollUntil("the reply's first second to play", () => performance.now() - firstFrameAt >= heardMs, 30_000, 5);
  client.send({ type: "response.interrupt", responseId: started.responseId, playedSamples: Math.min(heard, received()) });
  const turnMetrics = (await client.waitFor("turn.metrics", { from: mark, pred: (m) => m.responseId === started.responseId })).value;
  const metrics = turnMetrics.metrics;
  await client.waitFor("response.completed", { from: mark, pred: (m) => m.responseId === started.responseId });
  // BENCH_TRACE=1 prints the utterance's messages (ms from its last voiced frame), to see why a turn split.
  if (process.env.BENCH_TRACE) {
    for (const m of client.messages.slice(from))
      if (!/delta|caption/.test(m.value.type))
        process.stderr.write(`    ${Math.round(m.at - lastVoicedSentAt)} ${JSON.stringify(m.value).slice(0, 200)}\n`);
  }
  return {
    name: u.name,
    // Items, not commits: an utterance continued after a pause is committed again under its item.
    turns: new Set(client.messages.slice(from).flatMap((m) => (m.value.type === "input.committed" ? [m.value.itemId] : []))).size,
    voiceToVoiceMs: Math.round(firstFrameAt - lastVoicedSentAt),
    wer: u.text ? Math.round(wordErrorRate(u.text, final.value.text) * 100) / 100 : null,
    transcript: final.value.text,
    ...(turnMetrics.endOfTurn ? { endOfTurn: turnMetrics.endOfTurn } : {}),
    ...metrics,
  };
}

/** p50/p90/max of voice-to-voice and of every server stage over the rows. */
export function summarise(rows: Row[]) {
  const col = (k: keyof TurnMetrics) => rows.map((r) => r[k]).filter((v): v is number => v !== undefined);
  const wers = rows.map((r) => r.wer).filter((w): w is number => w !== null);
  return {
    utterances: rows.length,
    voiceToVoiceMs: stats(rows.map((r) => r.voiceToVoiceMs)),
    stages: Object.fromEntries(
      (["endOfTurnMs", "asrMs", "llmFirstTokenMs", "ttsFirstAudioMs", "firstAudioSentMs", "draftLeadMs"] as const).map((k) => [
        k,
        stats(col(k)),
      ]),
    ),
    /** Utterances the server VAD split into more than one turn (natural pauses). */
    split: rows.filter((r) => r.turns > 1).map((r) => `${r.name}: ${r.turns} turns`),
    /** Hesitant utterances (thinking pauses) that became more than one turn: the target is none. */
    hesitantSplit: rows.filter((r) => r.name.startsWith("hesitant") && r.turns > 1).length,
    /** The silence waited after the last voiced frame, on utterances that were finished (questions, short answers). */
    completeEndOfTurnMs: stats(
      rows.filter((r) => !/^(hesitant|paused|shared)/.test(r.name) && r.endOfTurnMs !== undefined).map((r) => r.endOfTurnMs!),
    ),
    /** Which rule ended the turns (turn.metrics.endOfTurn). */
    endOfTurnRules: rows.reduce<Record<string, number>>((n, r) => {
      const rule = r.endOfTurn?.rule ?? "none";
      n[rule] = (n[rule] ?? 0) + 1;
      return n;
    }, {}),
    /** Replies that started during the end-of-turn silence (a draft adopted at the commit). */
    drafted: rows.filter((r) => r.draftLeadMs !== undefined).length,
    meanWer: Math.round((wers.reduce((a, b) => a + b, 0) / Math.max(1, wers.length)) * 100) / 100,
  };
}

/** fireside_asr_first_pass_total by outcome, from the pod's /metrics (loopback, no token). */
export async function firstPassOutcomes(podUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${podUrl}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^fireside_asr_first_pass_total\{outcome="(\w+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

export async function benchSpokenTurns() {
  // BENCH_POD_ENV='{"FIRESIDE_ASR_MODEL":"whisper-tiny.en"}' tries other settings against the same utterances.
  const pod = await startPod(process.env.BENCH_POD_ENV ? (JSON.parse(process.env.BENCH_POD_ENV) as Record<string, string>) : {});
  const rows: Row[] = [];
  let firstPass: Record<string, number> = {};
  try {
    const client = await RealtimeClient.connect(pod.wsUrl);
    await client.hello({ language: "en" });
    for (const u of utterances()) {
      rows.push(await speakUtterance(client, u));
      process.stderr.write(`  ${rows.at(-1)!.voiceToVoiceMs} ms  ${u.name} (asr ${rows.at(-1)!.asrMs} ms)\n`);
    }
    client.close();
    firstPass = await firstPassOutcomes(pod.url);
  } finally {
    await pod.stop();
  }
  return {
    what: "voice-to-voice = last voiced frame sent → first reply frame received (server VAD ends turns; default CPU engines; loopback)",
    ...summarise(rows),
    /** Transcriptions (guesses included) whose Moonshine words were kept, sent on to Whisper, or not tried. */
    firstPass,
    rows,
  };
}
