/** Prometheus metrics (prom-client), one registry per server. */

import { statfsSync } from "node:fs";
import type { ErrorCode, TurnMetrics } from "@fireside/protocol";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EndOfTurnRecord } from "../session/end-of-turn.js";

const STAGES: Record<keyof TurnMetrics, string> = {
  endOfTurnMs: "end_of_turn",
  asrMs: "asr",
  llmFirstTokenMs: "llm_first_token",
  draftLeadMs: "draft_lead",
  ttsFirstAudioMs: "tts_first_audio",
  firstAudioSentMs: "first_audio_sent",
  voiceToVoiceMs: "voice_to_voice",
};

export class ServerMetrics {
  readonly registry = new Registry();
  readonly sessionsActive = new Gauge({ name: "fireside_sessions_active", help: "Open WebSocket sessions", registers: [this.registry] });
  readonly sessionsTotal = new Counter({ name: "fireside_sessions_total", help: "Sessions opened", registers: [this.registry] });
  readonly turns = new Counter({
    name: "fireside_turns_total",
    help: "Assistant responses by outcome",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly repliesTakenBack = new Counter({
    name: "fireside_replies_taken_back_total",
    help: "Replies sent in full (so counted completed in fireside_turns_total), then taken back unheard because the speaker's sentence went on",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "fireside_errors_total",
    help: "Errors sent to clients",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly stageSeconds = new Histogram({
    name: "fireside_turn_stage_seconds",
    help: "Per-turn stage latency",
    labelNames: ["stage"] as const,
    buckets: [0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13],
    registers: [this.registry],
  });
  readonly eventLoopLag = new Gauge({
    name: "fireside_event_loop_lag_p99_seconds",
    help: "p99 of the event loop's delay over the last second (admission refuses new sessions above FIRESIDE_ADMIT_MAX_LAG_MS)",
    registers: [this.registry],
  });
  readonly storeSeconds = new Histogram({
    name: "fireside_store_seconds",
    help: "From a conversation turn ending to its being stored (queueing behind the session's earlier turns included)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  // Audio is tallied in plain numbers and added to its counters when they are read: a counter's
  // inc (a labelled one hashes its labels) ran for every frame, tens of thousands a second.
  private readonly audioTally = { framesIn: 0, framesOut: 0, bytes: new Map<string, number>() };
  readonly audioFramesSent = new Counter({
    name: "fireside_audio_frames_sent_total",
    help: "Output audio frames sent",
    registers: [this.registry],
    collect: () => this.flushAudio(),
  });
  readonly audioFramesReceived = new Counter({
    name: "fireside_audio_frames_received_total",
    help: "Input audio frames received",
    registers: [this.registry],
    collect: () => this.flushAudio(),
  });
  readonly audioBytes = new Counter({
    name: "fireside_audio_bytes_total",
    help: "Audio frame bytes on the wire (header and payload), by direction and codec: bitrates",
    labelNames: ["direction", "codec"] as const,
    registers: [this.registry],
    collect: () => this.flushAudio(),
  });

  /** One audio frame received (`in`) or sent (`out`). */
  countAudioFrame(direction: "in" | "out"): void {
    if (direction === "in") this.audioTally.framesIn++;
    else this.audioTally.framesOut++;
  }

  countAudioBytes(direction: "in" | "out", codec: string, bytes: number): void {
    const key = `${direction} ${codec}`;
    this.audioTally.bytes.set(key, (this.audioTally.bytes.get(key) ?? 0) + bytes);
  }

  private flushAudio(): void {
    const t = this.audioTally;
    if (t.framesIn) this.audioFramesReceived.inc(t.framesIn);
    if (t.framesOut) this.audioFramesSent.inc(t.framesOut);
    for (const [key, n] of t.bytes) {
      const [direction, codec] = key.split(" ") as [string, string];
      if (n) this.audioBytes.inc({ direction, codec }, n);
    }
    t.framesIn = 0;
    t.framesOut = 0;
    t.bytes.clear();
  }
  readonly asrFirstPass = new Counter({
    name: "fireside_asr_first_pass_total",
    help: "Live transcriptions by what the fast first pass did: kept (its words were used), fallback (Whisper ran), skipped",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly enginesReady = new Gauge({ name: "fireside_engines_ready", help: "1 once every engine is loaded", registers: [this.registry] });
  readonly engineDegraded = new Gauge({
    name: "fireside_engine_degraded",
    help: "1 for a stage served by its fallback because the preferred engine failed to load",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });

  readonly engineQueueWait = new Histogram({
    name: "fireside_engine_queue_wait_seconds",
    help: "Time a request waited for a one-at-a-time engine (asr, speaker, tts on CPU), by priority",
    labelNames: ["stage", "priority"] as const,
    buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly ttsQueueWait = new Histogram({
    name: "fireside_tts_queue_wait_seconds",
    help: "Time a speech request waited for the GPU",
    labelNames: ["priority"] as const,
    buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private queueDepthSource: () => number = () => 0;
  readonly ttsQueueDepth = new Gauge({
    name: "fireside_tts_queue_depth",
    help: "Speech requests waiting for the GPU",
    registers: [this.registry],
    collect: () => {
      this.ttsQueueDepth.set(this.queueDepthSource());
    },
  });

  private diskDir: string | null = null;
  readonly dataDiskFree = new Gauge({
    name: "fireside_data_disk_free_bytes",
    help: "Free bytes on the file system of FIRESIDE_DATA_DIR (for the disk-nearly-full alert)",
    registers: [this.registry],
    collect: () => this.readDisk(),
  });
  readonly dataDiskSize = new Gauge({
    name: "fireside_data_disk_size_bytes",
    help: "Size of the file system of FIRESIDE_DATA_DIR",
    registers: [this.registry],
  });

  /** Reports the data directory's file system on each scrape. */
  watchDisk(dir: string): void {
    this.diskDir = dir;
  }

  private readDisk(): void {
    if (!this.diskDir) return;
    try {
      const s = statfsSync(this.diskDir);
      this.dataDiskFree.set(s.bavail * s.bsize);
      this.dataDiskSize.set(s.blocks * s.bsize);
    } catch {
      // the directory is gone or unreadable: no figure rather than a wrong one
    }
  }

  /** Reports a GPU scheduler's queue depth on each scrape. */
  watchQueue(depth: () => number): void {
    this.queueDepthSource = depth;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "fireside_" });
  }

  readonly endOfTurn = new Counter({
    name: "fireside_end_of_turn_total",
    help: "Spoken turns ended by each end-of-turn rule (server VAD; docs/protocol.md, How a turn ends)",
    labelNames: ["rule"] as const,
    registers: [this.registry],
  });
  readonly interruptions = new Counter({
    name: "fireside_interruptions_total",
    help: "Voices and sounds that paused a reply (server VAD), by what they were judged: barge_in (the reply stopped), backchannel, noise or echo (it resumed)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly endOfTurnModelSeconds = new Histogram({
    name: "fireside_end_of_turn_model_seconds",
    help: "End-of-turn model inference per judged turn, features included",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8],
    registers: [this.registry],
  });

  observeTurn(metrics: TurnMetrics, endOfTurn?: EndOfTurnRecord): void {
    for (const [key, stage] of Object.entries(STAGES)) {
      const ms = metrics[key as keyof TurnMetrics];
      if (ms !== undefined) this.stageSeconds.observe({ stage }, ms / 1000);
    }
    if (!endOfTurn) return;
    this.endOfTurn.inc({ rule: endOfTurn.rule });
    if (endOfTurn.modelMs !== undefined) this.endOfTurnModelSeconds.observe(endOfTurn.modelMs / 1000);
  }

  private readonly errorListeners: ((code: ErrorCode) => void)[] = [];

  countError(code: ErrorCode): void {
    this.errors.inc({ code });
    for (const l of this.errorListeners) l(code);
  }

  /** Called with each error counted (the alert webhook listens for a full disk). */
  onError(listener: (code: ErrorCode) => void): void {
    this.errorListeners.push(listener);
  }
}
