/**
 * Ties the microphone, the pod connection and the player into a conversation: hands-free (local
 * VAD) or push-to-talk, barge-in with an echo guard, and the client-side latency figures.
 *
 * Barge-in, step by step: local VAD hears speech while a reply plays → playback pauses (nothing
 * dropped) → if the speech is confirmed real, playback is cleared and the pod is told how many
 * samples were heard; if it was a misfire (a click, the assistant's own echo), playback resumes.
 */
import { Framer, floatToInt16, rms } from "@fireside/audio";
import { PROTOCOL_VERSION, type ServerMessage } from "@fireside/protocol";
import type { MicVAD } from "@ricky0123/vad-web";
import type { Settings } from "../../../shared/settings";
import { startMicrophone } from "../audio/microphone";
import { Player } from "../audio/player";
import { useApp } from "../store/app-store";
import { PodConnection } from "../transport/pod-connection";

/** Speech this soon after a reply starts playing is most likely its echo; ignore it. */
const ECHO_WARMUP_MS = 400;
/** Frames kept from before the VAD fired (32 ms each), so the first syllable reaches the pod. */
const PRE_SPEECH_FRAMES = 10;

export class VoiceSession {
  private conn: PodConnection | null = null;
  private player: Player | null = null;
  private mic: MicVAD | null = null;
  private readonly framer = Framer.int16(320); // 20 ms at 16 kHz
  private ring: Float32Array[] = [];
  private sending = false;
  private pttHeld = false;
  private response: { id: string; streamId: number; interrupted: boolean; playbackStartedAt: number; reported: boolean } | null = null;
  private tentativePause = false;
  private speechEndAt = 0;
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private levelTick = 0;

  constructor(private settings: Settings) {}

  async start(token: string): Promise<void> {
    const app = useApp.getState();
    app.set({ mic: "starting", micError: null, notice: null });
    this.player = await Player.create(
      this.settings.playbackLeadMs,
      (s) => this.onPlayerStats(s),
      this.settings.outputDeviceId || undefined,
    );
    this.conn = new PodConnection({
      url: this.settings.podUrl,
      token,
      hello: () => ({
        protocols: [PROTOCOL_VERSION],
        audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
        language: this.settings.language,
        ...(this.settings.persona ? { persona: this.settings.persona } : {}),
        ...(this.settings.voice ? { voice: this.settings.voice } : {}),
        // The local VAD decides turns; the pod's VAD stays behind it.
        turnDetection: {
          mode: "client_vad",
          silenceMs: this.settings.minSilenceMs,
          threshold: this.settings.vadThreshold,
          minSpeechMs: 250,
        },
        client: { name: "fireside-desktop", version: "0.1.0" },
      }),
      onMessage: (m) => this.onMessage(m),
      onAudio: (f) => {
        const r = this.response;
        if (r && f.streamId === r.streamId && !r.interrupted) this.player?.push(f.samples, f.last);
      },
      onStatus: (connection, notice) => useApp.getState().set({ connection, notice }),
      onRtt: (ms) => useApp.getState().set({ rttMs: Math.round(ms) }),
    });
    this.conn.connect();
    this.pollHealth();
    try {
      this.mic = await startMicrophone(
        {
          deviceId: this.settings.inputDeviceId || undefined,
          threshold: this.settings.vadThreshold,
          minSilenceMs: this.settings.minSilenceMs,
        },
        {
          onFrame: (frame) => this.onFrame(frame),
          onSpeechStart: () => this.onSpeechStart(),
          onSpeechConfirmed: () => this.onSpeechConfirmed(),
          onSpeechEnd: () => this.onSpeechEnd(),
          onMisfire: () => this.onMisfire(),
        },
      );
      useApp.getState().set({ mic: this.settings.mode === "push-to-talk" ? "push-to-talk" : "listening" });
    } catch (err) {
      useApp.getState().set({ mic: "off", micError: `Microphone unavailable: ${(err as Error).message}` });
    }
  }

  async stop(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.conn?.close();
    await this.mic?.destroy();
    await this.player?.close();
    this.mic = null;
    this.player = null;
    useApp.getState().set({ mic: "off" });
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.mic?.setOptions({
      positiveSpeechThreshold: settings.vadThreshold,
      negativeSpeechThreshold: Math.max(0.05, settings.vadThreshold - 0.15),
      redemptionMs: settings.minSilenceMs,
    });
    useApp.getState().set({ mic: this.mic ? (settings.mode === "push-to-talk" ? "push-to-talk" : "listening") : "off" });
  }

  // ------------------------------------------------------------------ microphone

  private onFrame(frame: Float32Array): void {
    if (++this.levelTick % 3 === 0) useApp.getState().set({ levels: { ...useApp.getState().levels, input: rms(frame) } });
    if (this.sending) this.sendFrame(frame);
    else {
      this.ring.push(frame);
      if (this.ring.length > PRE_SPEECH_FRAMES) this.ring.shift();
    }
  }

  private sendFrame(frame: Float32Array): void {
    for (const f of this.framer.push(floatToInt16(frame))) this.conn?.sendAudio(f);
  }

  private beginSending(): void {
    if (this.sending) return;
    this.sending = true;
    for (const f of this.ring) this.sendFrame(f);
    this.ring = [];
  }

  private get replyAudible(): boolean {
    const r = this.response;
    return !!r && !r.interrupted && useApp.getState().playback.playing;
  }

  private onSpeechStart(): void {
    if (this.settings.mode !== "hands-free") return;
    const r = this.response;
    if (this.replyAudible && r && performance.now() - r.playbackStartedAt < ECHO_WARMUP_MS) return;
    if (this.replyAudible) {
      this.player?.pause();
      this.tentativePause = true;
    }
    useApp.getState().set({ mic: "hearing-speech" });
    this.beginSending();
  }

  private onSpeechConfirmed(): void {
    if (this.settings.mode !== "hands-free" || !this.sending) return;
    void this.bargeIn();
  }

  private onMisfire(): void {
    if (this.settings.mode !== "hands-free") return;
    if (this.tentativePause) this.player?.resume(); // it held no words: carry on talking
    this.tentativePause = false;
    if (this.sending) this.conn?.send({ type: "input.audio.clear" });
    this.sending = false;
    useApp.getState().set({ mic: "listening" });
  }

  private onSpeechEnd(): void {
    if (this.settings.mode !== "hands-free" || !this.sending) return;
    this.finishUtterance();
    useApp.getState().set({ mic: "listening" });
  }

  private finishUtterance(): void {
    const rest = this.framer.flush();
    if (rest) this.conn?.sendAudio(rest);
    this.sending = false;
    this.speechEndAt = performance.now();
    this.conn?.send({ type: "input.audio.commit" });
  }

  /** The user is really talking over the reply: stop it and tell the pod what was heard. */
  private async bargeIn(): Promise<void> {
    this.conn?.send({ type: "input.speech_started" });
    this.tentativePause = false;
    const r = this.response;
    if (!r || r.interrupted || !this.player) return;
    r.interrupted = true;
    const played = await this.player.clear();
    this.conn?.send({ type: "response.interrupt", responseId: r.id, playedSamples: played });
  }

  /** Push-to-talk: hold to speak; pressing during a reply interrupts it. */
  pushToTalk(down: boolean): void {
    if (this.settings.mode !== "push-to-talk" || down === this.pttHeld) return;
    this.pttHeld = down;
    if (down) {
      this.beginSending();
      void this.bargeIn();
      useApp.getState().set({ mic: "hearing-speech" });
    } else {
      this.finishUtterance();
      useApp.getState().set({ mic: "push-to-talk" });
    }
  }

  /** The interrupt button. */
  interrupt(): void {
    void this.bargeIn();
  }

  sendText(text: string): void {
    this.conn?.send({ type: "input.text", text });
    useApp.getState().upsertTurn({ id: `typed_${Date.now()}`, role: "user", text, live: false });
  }

  // ------------------------------------------------------------------ pod messages

  private onMessage(m: ServerMessage): void {
    const app = useApp.getState();
    switch (m.type) {
      case "session.ready":
        app.set({ server: m });
        break;
      case "session.state":
        app.set({ sessionState: m.state });
        break;
      case "input.committed":
        app.upsertTurn({ id: m.itemId, role: "user", text: "…", live: true });
        break;
      case "transcript.partial":
        app.upsertTurn({ id: m.itemId, role: "user", text: m.text, live: true });
        break;
      case "transcript.final":
        app.upsertTurn({ id: m.itemId, role: "user", text: m.text || "(nothing heard)", live: false });
        break;
      case "response.created":
        this.response = { id: m.responseId, streamId: m.streamId, interrupted: false, playbackStartedAt: 0, reported: false };
        app.upsertTurn({ id: m.responseId, role: "assistant", text: "", live: true });
        break;
      case "response.text.delta":
        app.appendToTurn(m.responseId, m.delta);
        break;
      case "response.audio.started":
        if (this.response?.id === m.responseId) this.player?.begin(m.format.sampleRate);
        break;
      case "response.interrupted":
        app.upsertTurn({ id: m.responseId, role: "assistant", text: m.heardText, live: false, status: "interrupted" });
        break;
      case "response.completed":
        app.upsertTurn({
          id: m.responseId,
          role: "assistant",
          text: m.text || app.turns.find((t) => t.id === m.responseId)?.text || "",
          live: false,
          status: m.status,
        });
        break;
      case "turn.metrics":
        app.recordLatency(m.responseId, m.metrics);
        break;
      case "error":
        app.set({ notice: m.code === "E_NO_SPEECH" ? "Didn't catch that — try again." : `${m.message} (${m.code})` });
        break;
      default:
        break;
    }
  }

  private onPlayerStats(s: { played: number; buffered: number; underruns: number; playing: boolean; level: number }): void {
    const app = useApp.getState();
    app.set({
      playback: {
        bufferedMs: Math.round((s.buffered / 24000) * 1000),
        underruns: s.underruns,
        playing: s.playing,
        playedMs: Math.round((s.played / 24000) * 1000),
      },
      levels: { ...app.levels, output: s.level },
    });
    const r = this.response;
    if (r && s.playing && s.played > 0 && !r.reported) {
      r.reported = true;
      r.playbackStartedAt = performance.now();
      if (this.speechEndAt) {
        const v2v = Math.round(r.playbackStartedAt - this.speechEndAt);
        app.recordLatency(r.id, { playbackStartMs: v2v, voiceToVoiceMs: v2v });
        this.conn?.send({ type: "client.metrics", responseId: r.id, voiceToVoiceMs: v2v, underruns: s.underruns });
      }
    }
  }

  private pollHealth(): void {
    const http = this.settings.podUrl.replace(/^ws/, "http").replace(/\/v1\/realtime.*$/, "");
    const poll = async () => {
      try {
        const res = await fetch(`${http}/health`);
        const body = (await res.json()) as { sessions?: number; gpu?: { utilisation: number; memoryMiB: number } };
        useApp.getState().set({ health: { ok: res.ok, ...body } });
      } catch {
        useApp.getState().set({ health: { ok: false } });
      }
    };
    void poll();
    this.healthTimer = setInterval(poll, 5000);
  }
}
