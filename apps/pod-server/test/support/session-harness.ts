/**
 * A pod's conversations without a network: the real Connection (handshake, Session, replies) over a
 * fake socket, on instant test-double engines. Every wait is on a message, never on time; a reply
 * "heard for a while" is made by moving the clock, not by waiting.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAudioFrame, PROTOCOL_VERSION, pcmSamples, type ServerMessage, type ServerMessageOf } from "@fireside/protocol";
import { onTestFinished, vi } from "vitest";
import { createInstantEngines } from "../../../../tests/support/instant-engines.js";
import { loadConfig } from "../../src/config/config.js";
import type { Engines } from "../../src/engines/types.js";
import { ServerMetrics } from "../../src/metrics/metrics.js";
import { Connection } from "../../src/session/connection.js";
import { ResumeStore } from "../../src/session/resume-store.js";
import type { Session } from "../../src/session/session.js";
import { ConversationStore } from "../../src/store/conversations.js";
import { openSqlite } from "../../src/store/sqlite.js";

export const HELLO = {
  type: "session.hello",
  protocols: [PROTOCOL_VERSION],
  audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
  turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 },
};

/** Engines whose ASR says how much audio it heard (a continued utterance reads longer) and whose LLM is `stream`. */
export const hearingSeconds =
  (stream: Engines["llm"]["stream"]) =>
  (e: Engines): Engines => ({
    ...e,
    asr: { ...e.asr, transcribe: async (audio) => ({ text: `${(audio.length / 16000).toFixed(1)} seconds of words`, language: "en" }) },
    llm: { ...e.llm, stream },
  });

/** Moves Date.now() `ms` ahead for the rest of the test: "the reply went out 600 ms ago" without waiting for it. */
export function advanceClock(ms: number): void {
  const now = Date.now.bind(Date);
  const spy = vi.spyOn(Date, "now").mockImplementation(() => now() + ms);
  onTestFinished(() => spy.mockRestore());
}

/** One pod's worth of shared state: engines, config, the database and the resume store. */
export function pod(opts: { token?: string; engines?: (e: Engines) => Engines } = {}) {
  const base = createInstantEngines({ replySeconds: 1 });
  const engines = opts.engines ? opts.engines(base) : base;
  const config = loadConfig({ env: {}, overrides: { token: opts.token ?? "", interruptGraceMs: 200, outputLeadMs: 200 } });
  const metrics = new ServerMetrics();
  const db = openSqlite(join(mkdtempSync(join(tmpdir(), "session-")), "fireside.db"));
  const conversations = new ConversationStore(db);
  const resumes = new ResumeStore(60_000);

  /** A fake socket: messages in order, a way to wait for one, and the close it was asked for. */
  function connect() {
    const messages: ServerMessage[] = [];
    const frames: Uint8Array[] = [];
    const waiters: (() => void)[] = [];
    let closedWith: number | null = null;
    let token: string | null = null;
    const authFailed = vi.fn();
    const connection: Connection = new Connection(
      {
        engines,
        config,
        metrics,
        conversations,
        gpus: () => [],
        handshake: {
          token: config.token,
          defaultPersona: config.persona,
          checkVoice: async () => {},
          loadConversation: async (id) => ((await conversations.exists(id)) ? conversations.messages(id) : null),
          resume: (t) => resumes.take(t),
          authFailed,
          admit: () => null,
        },
        issueResumeToken: (snapshot) => {
          token = resumes.issue({ snapshot, takeOver: () => drop() });
          return { token, graceMs: resumes.graceMs };
        },
      },
      {
        send: (m) => {
          messages.push(m);
          for (const w of waiters.splice(0)) w();
        },
        sendBinary: (b) => frames.push(b),
        backlog: () => 0,
        close: (code) => {
          closedWith = code;
        },
        log: () => {},
      },
      false,
    );
    const drop = () => {
      const session = connection.session;
      connection.close();
      if (token && session) resumes.park(token, session.snapshot());
    };
    async function next<T extends ServerMessage["type"]>(type: T, pred: (m: ServerMessageOf<T>) => boolean = () => true, from = 0) {
      for (;;) {
        const found = messages.slice(from).find((m) => m.type === type && pred(m as ServerMessageOf<T>));
        if (found) return found as ServerMessageOf<T>;
        await new Promise<void>((r) => waiters.push(r));
      }
    }
    const send = (m: object) => connection.onText(JSON.stringify(m));
    /** Input frames of 20 ms, numbered in order: a loud 220 Hz tone (speech to the energy-VAD double) or silence. */
    let seq = 0;
    const tone = (n: number) => {
      const pcm = Int16Array.from({ length: 320 }, (_, k) => Math.round(8000 * Math.sin((k * 2 * Math.PI * 220) / 16000)));
      for (let i = 0; i < n; i++) connection.onBinary(inputFrame(pcm, seq++));
    };
    const silence = (n: number) => {
      for (let i = 0; i < n; i++) connection.onBinary(inputFrame(new Int16Array(320), seq++));
    };
    /** Speech for the energy-VAD double: a loud 1 s tone under client VAD, then commit. */
    const speak = () => {
      tone(50);
      send({ type: "input.audio.commit" });
    };
    return {
      connection,
      /** The accepted session (throws before hello is accepted). */
      get session(): Session {
        const s = connection.session;
        if (!s) throw new Error("no session: hello was not accepted");
        return s;
      },
      messages,
      frames,
      next,
      send,
      speak,
      tone,
      silence,
      drop,
      authFailed,
      closed: () => closedWith,
      token: () => token,
    };
  }
  return { connect, conversations, db, metrics, engines, config };
}

/** An input audio frame (kind 1) of 16 kHz PCM. */
export function inputFrame(pcm: Int16Array, seq: number): Uint8Array {
  const out = new Uint8Array(20 + pcm.byteLength);
  const v = new DataView(out.buffer);
  v.setUint8(0, 1);
  v.setUint8(1, 1);
  v.setUint32(4, 1, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, 16000, true);
  v.setUint32(16, seq * pcm.length, true);
  out.set(new Uint8Array(pcm.buffer), 20);
  return out;
}

export const samplesOf = (frames: Uint8Array[]) => frames.reduce((n, f) => n + pcmSamples(decodeAudioFrame(f)).length, 0);
