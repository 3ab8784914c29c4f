/**
 * Sounds during a reply, heard by the pod's own turn detection (server VAD; the client sends its
 * open microphone and nothing else): false interruptions — a cough, a knock, a backchannel ("mm-hm",
 * "yeah", "right", "okay"), a word from a TV across the room — should leave the reply playing; real
 * barge-ins ("Stop, tell me about…") should stop it at once with their words kept (issue #26).
 * Each event is a fresh session: a typed question with a long reply; once a second of the reply has
 * played, the sound is streamed in real time into the microphone, then silence. Reported: replies
 * lost to false interruptions (and how long the pod held those it resumed); for real barge-ins, the
 * time from the sound's onset (its first sample above -40 dBFS: flite leads with ~180 ms of
 * silence) to the pod's first word on it — `response.paused`, after which the client is silent —
 * and to `response.interrupted`, and whether the transcript kept the first word.
 */
import { floatToInt16 } from "@fireside/audio";
import { cough } from "../../tests/support/clips.js";
import { startPod } from "../../tests/support/pod-process.js";
import { pollUntil } from "../../tests/support/poll.js";
import { RealtimeClient } from "../../tests/support/realtime-client.js";
import { synthesize } from "../../tests/support/speech.js";
import { stats } from "./spoken-turns.js";

const RATE = 16000;
const FRAME = 320;
const QUESTION = "Tell me a long story about a lighthouse keeper and his dog.";

interface Sound {
  name: string;
  real: boolean;
  audio: Float32Array;
  /** A real barge-in's first word, which its transcript must keep. */
  firstWord?: string;
}

/** Knocks on a door: three short decaying thumps 180 ms apart. */
function knock(pitch: number): Float32Array {
  const out = new Float32Array(RATE * 0.6);
  for (const at of [0, 0.18, 0.36])
    for (let i = 0; i < RATE * 0.06; i++)
      out[Math.round(at * RATE) + i]! += 0.6 * Math.sin((2 * Math.PI * pitch * i) / RATE) * Math.exp(-i / (RATE * 0.012));
  return out;
}

const quiet = (audio: Float32Array, gain: number) => audio.map((v) => v * gain);
const speech = (text: string, voice: "espeak" | "flite") => synthesize(text, { rate: RATE, voice, padBefore: 0, padAfter: 0 });

export function sounds(): Sound[] {
  const real = [
    "Stop, tell me about the moon instead.",
    "Wait, what is the capital of Spain?",
    "Stop please, I need the weather.",
    "Hold on, how old is the dog?",
    "Sorry, can you speak more slowly?",
  ];
  const all: Sound[] = [
    { name: "cough 1", real: false, audio: cough(1) },
    { name: "cough 2", real: false, audio: cough(7) },
    { name: "knock (low)", real: false, audio: knock(180) },
    { name: "knock (high)", real: false, audio: knock(320) },
    { name: "mm-hm (espeak)", real: false, audio: speech("mm hmm", "espeak") },
    { name: "mm-hm (flite)", real: false, audio: speech("mm hmm", "flite") },
    { name: "yeah (espeak)", real: false, audio: speech("yeah", "espeak") },
    { name: "right (flite)", real: false, audio: speech("right", "flite") },
    { name: "okay (espeak)", real: false, audio: speech("okay", "espeak") },
    { name: "TV across the room (flite, quiet)", real: false, audio: quiet(speech("and now the weather", "flite"), 0.25) },
    ...real.flatMap((text) =>
      (["espeak", "flite"] as const).map((voice) => ({
        name: `barge-in (${voice}): ${text}`,
        real: true,
        audio: speech(text, voice),
        firstWord: text.split(/[\s,]+/)[0]!.toLowerCase(),
      })),
    ),
  ];
  // BENCH_ONLY=regex runs the events whose name matches (for quick looks; quote only full runs).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  return only ? all.filter((s) => only.test(s.name)) : all;
}

interface EventResult {
  name: string;
  real: boolean;
  /** The reply was stopped (response.interrupted for it, or it completed interrupted or cancelled). */
  interrupted: boolean;
  /** From the sound's onset to the pod's acknowledgement: response.paused, or response.interrupted if that came first. */
  ackMs?: number;
  /** From the sound's onset to response.interrupted. */
  interruptedMs?: number;
  /** A false interruption the reply resumed after: why, and how long the pod held it. */
  resumed?: { reason: string; pausedMs: number };
  /** From the sound's first sample sent to the pod's input.speech_started (what a client can stop its playback on). */
  speechStartedMs?: number;
  /** From the sound's first sample sent to the reply's last audio frame received (the pod stopped sending). */
  lastFrameMs?: number;
  transcript?: string;
  firstWordKept?: boolean;
}

async function event(wsUrl: string, sound: Sound): Promise<EventResult> {
  const client = await RealtimeClient.connect(wsUrl);
  await client.hello({ language: "en" });
  client.startPlayback();
  const heard: { inject: Int16Array | null; onset: number; injectedAt: number } = { inject: null, onset: 0, injectedAt: 0 };
  let running = true;
  // The open microphone: silence, and the sound when it is its turn.
  const mic = (async () => {
    const start = performance.now();
    let at = 0;
    for (let k = 0; running; k++) {
      let frame: Int16Array = new Int16Array(FRAME);
      const sound = heard.inject;
      if (sound) {
        if (at <= heard.onset && heard.onset < at + FRAME) heard.injectedAt = performance.now();
        frame = sound.subarray(at, at + FRAME);
        at += FRAME;
        if (at >= sound.length) heard.inject = null;
      }
      client.sendAudioFrame(frame.length === FRAME ? frame : concatInt16(frame), RATE);
      const wait = start + (k + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  try {
    client.send({ type: "input.text", text: QUESTION });
    const started = (await client.waitFor("response.audio.started", { timeoutMs: 60_000 })).value;
    await pollUntil("a second of the reply to play", () => client.player.stats.played >= started.format.sampleRate, 30_000, 5);
    const from = client.messages.length;
    heard.onset = Math.max(
      0,
      sound.audio.findIndex((v) => Math.abs(v) >= 0.01),
    );
    heard.inject = floatToInt16(sound.audio);
    const ended = () =>
      client.messages
        .slice(from)
        .some(
          (m) =>
            (m.value.type === "response.interrupted" && m.value.responseId === started.responseId) ||
            (m.value.type === "response.completed" && m.value.responseId === started.responseId),
        );
    // The sound, then up to 4 s of silence for the pod to decide.
    await pollUntil("the sound to be sent", () => heard.inject === null, 30_000, 5);
    const sentAt = performance.now();
    await pollUntil("the pod to decide", () => ended() || performance.now() - sentAt > 4000, 10_000, 10);
    const after = client.messages.slice(from);
    const mine = (type: string) =>
      after.find((m) => m.value.type === type && "responseId" in m.value && m.value.responseId === started.responseId);
    const ack = mine("response.interrupted");
    const paused = mine("response.paused");
    const resumed = mine("response.resumed");
    const completed = after.find((m) => m.value.type === "response.completed" && m.value.responseId === started.responseId);
    const interrupted = !!ack || (completed?.value.type === "response.completed" && completed.value.status !== "completed");
    const speechStarted = after.find((m) => m.value.type === "input.speech_started");
    const lastFrame = client.frames.filter((f) => f.value.streamId === started.streamId).at(-1);
    let transcript: string | undefined;
    // What the pod heard in a sound it took for a barge-in (a real one's first word must be in it).
    if (interrupted) {
      const final = await client.waitFor("transcript.final", { from, timeoutMs: 30_000 }).catch(() => null);
      transcript = final?.value.text;
    }
    return {
      name: sound.name,
      real: sound.real,
      interrupted,
      ...(ack || paused ? { ackMs: Math.round(Math.min(ack?.at ?? Infinity, paused?.at ?? Infinity) - heard.injectedAt) } : {}),
      ...(ack ? { interruptedMs: Math.round(ack.at - heard.injectedAt) } : {}),
      ...(resumed?.value.type === "response.resumed"
        ? { resumed: { reason: resumed.value.reason, pausedMs: resumed.value.pausedMs } }
        : {}),
      ...(speechStarted ? { speechStartedMs: Math.round(speechStarted.at - heard.injectedAt) } : {}),
      ...(interrupted && lastFrame ? { lastFrameMs: Math.round(lastFrame.at - heard.injectedAt) } : {}),
      ...(transcript !== undefined ? { transcript } : {}),
      ...(transcript !== undefined && sound.firstWord ? { firstWordKept: transcript.toLowerCase().includes(sound.firstWord) } : {}),
    };
  } finally {
    running = false;
    await mic;
    client.close();
  }
}

/** A short last frame, padded with silence to a whole one. */
function concatInt16(part: Int16Array): Int16Array {
  const out = new Int16Array(FRAME);
  out.set(part);
  return out;
}

export async function benchInterruptions() {
  const pod = await startPod({});
  const rows: EventResult[] = [];
  try {
    for (const s of sounds()) {
      rows.push(await event(pod.wsUrl, s));
      const r = rows.at(-1)!;
      process.stderr.write(
        `  ${r.interrupted ? "stopped" : r.resumed ? `resumed (${r.resumed.reason}, held ${r.resumed.pausedMs} ms)` : "played on"}${r.ackMs !== undefined ? ` ack ${r.ackMs} ms` : ""}${r.interruptedMs !== undefined ? ` interrupted ${r.interruptedMs} ms` : ""}  ${r.name}${r.transcript ? ` → "${r.transcript}"` : ""}\n`,
      );
    }
  } finally {
    await pod.stop();
  }
  const falses = rows.filter((r) => !r.real);
  const reals = rows.filter((r) => r.real);
  const acks = reals.flatMap((r) => (r.ackMs !== undefined ? [r.ackMs] : []));
  const of = (k: "speechStartedMs" | "lastFrameMs" | "interruptedMs") => reals.flatMap((r) => (r[k] !== undefined ? [r[k]] : []));
  const held = falses.flatMap((r) => (r.resumed ? [r.resumed.pausedMs] : []));
  return {
    what: "sounds streamed into an open microphone a second into a reply; server VAD decides; default CPU engines; loopback",
    falseInterruptions: {
      events: falses.length,
      repliesLost: falses.filter((r) => r.interrupted).length,
      resumed: held.length,
      heldMs: held.length ? stats(held) : null,
    },
    bargeIns: {
      events: reals.length,
      acknowledged: acks.length,
      ackMs: acks.length ? stats(acks) : null,
      interruptedMs: of("interruptedMs").length ? stats(of("interruptedMs")) : null,
      speechStartedMs: of("speechStartedMs").length ? stats(of("speechStartedMs")) : null,
      lastFrameMs: of("lastFrameMs").length ? stats(of("lastFrameMs")) : null,
      firstWordKept: reals.filter((r) => r.firstWordKept).length,
    },
    rows,
  };
}
