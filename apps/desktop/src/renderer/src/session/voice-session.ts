/**
 * Ties the microphone, the pod connection and the player into a conversation: hands-free (local
 * VAD) or push-to-talk, barge-in with an echo guard, resume after a drop, and the client-side
 * latency figures. It reports everything as typed events (session-events.ts) and never writes the
 * store itself. Its parts come in as dependencies, so tests drive it with a fake transport, a fake
 * player and a fake microphone (apps/desktop/test/voice-session.test.ts).
 *
 * Who decides the turns (settings.turnTaking, fixed per conversation): hands-free with "pod", the
 * microphone streams all the time and the pod's turn-taking ends each turn and judges a voice over
 * a reply (response.paused → resumed or interrupted, which the player follows); the local VAD then
 * only drives what the screen shows. With "app" (and always in push-to-talk), the local VAD sends
 * each utterance and commits it, and barge-in is the app's: speech while a reply is audible pauses
 * playback (nothing dropped) → if confirmed real, playback is cleared and the pod is told how many
 * samples were heard; if it was a misfire (a click, the assistant's own echo), playback resumes.
 * A reply the player reports finished is no longer audible: speech after it is a new turn. The
 * reply side (what plays, held, stopped, lost with a session) is reply-playback.ts.
 */
import { Framer, floatToInt16, rms } from "@fireside/audio";
import { PROTOCOL_VERSION, type ServerMessage } from "@fireside/protocol";
import type { Settings } from "../../../shared/settings";
import { useApp } from "../store/app-store";
import { ConversationsApi } from "../transport/conversations-api";
import type { ConnectionStatus, PodTransport } from "../transport/pod-transport";
import { MicControl } from "./mic-control";
import { PodHealth } from "./pod-health";
import { ReplyPlayback } from "./reply-playback";
import type { Emit } from "./session-events";
import type { MicLike, PlayerLike, VoiceSessionDeps } from "./voice-session-deps";

/** Speech this soon after a reply starts playing is most likely its echo; ignore it. */
const ECHO_WARMUP_MS = 400;
/** Frames kept from before the VAD fired (32 ms each), so the first syllable reaches the pod. */
const PRE_SPEECH_FRAMES = 10;

export class VoiceSession {
  private conn: PodTransport | null = null;
  private player: PlayerLike | null = null;
  private mic: MicLike | null = null;
  private readonly state: MicControl;
  private readonly health: PodHealth;
  private readonly emit: Emit;
  private readonly framer = Framer.int16(320); // 20 ms at 16 kHz
  private ring: Float32Array[] = [];
  /** The reply being heard (reply-playback.ts); set once the player exists. */
  private replies: ReplyPlayback | null = null;
  private lastVoicedAt = 0;
  /** The last commit: its time and the last voiced frame before it, for the reply it gets. */
  private lastCommit: { at: number; lastVoicedAt: number } | null = null;
  private readonly spokenItems = new Set<string>();
  private connection: ConnectionStatus = "disconnected";
  private levelTick = 0;
  /** This conversation streams the microphone and leaves turns to the pod (hands-free, turnTaking "pod"). */
  private podTurns = false;
  private readonly now: () => number;
  private token = "";
  private readonly fetchConversation = (id: string) =>
    this.deps.fetchConversation?.(id) ?? new ConversationsApi(this.settings.podUrl, this.token).get(id);

  constructor(
    private settings: Settings,
    private readonly deps: VoiceSessionDeps,
  ) {
    this.now = deps.now ?? (() => performance.now());
    this.emit = deps.emit ?? ((ev) => useApp.getState().dispatch(ev));
    this.state = new MicControl(this.emit);
    this.health = new PodHealth(() => this.settings.podUrl, this.emit, deps);
  }

  /** `conversationId`: a stored conversation opened before starting, which this session continues. */
  async start(token: string, conversationId: string | null = null): Promise<void> {
    this.token = token;
    this.state.set("starting");
    this.podTurns = this.settings.mode === "hands-free" && this.settings.turnTaking === "pod";
    this.player = await this.deps.createPlayer(
      this.settings.playbackLeadMs,
      (s) => this.replies?.stats(s),
      () => this.replies?.finished(),
      this.settings.outputDeviceId || undefined,
    );
    this.replies = new ReplyPlayback(this.player, this.emit, (m) => this.conn?.send(m), this.now);
    this.conn = this.deps.createTransport({
      url: this.settings.podUrl,
      token,
      hello: () => ({
        protocols: [PROTOCOL_VERSION],
        language: this.settings.language,
        ...(this.settings.persona ? { persona: this.settings.persona } : {}),
        ...(this.settings.voice ? { voice: this.settings.voice } : {}),
        // "pod": its VAD, end-of-turn rules and interruption judge decide; "app": the local VAD does.
        turnDetection: {
          mode: this.podTurns ? "server_vad" : "client_vad",
          silenceMs: this.settings.minSilenceMs,
          threshold: this.settings.vadThreshold,
          minSpeechMs: this.podTurns ? 200 : 250,
        },
        client: { name: "fireside-desktop", version: "0.1.0" },
      }),
      onMessage: (m) => this.onMessage(m),
      onAudio: (f) => this.replies?.audio(f),
      onStatus: (status, notice) => {
        this.connection = status;
        this.emit({ type: "connection", status, notice });
        void this.health.refresh();
        this.followConnection();
      },
      onRtt: (ms) => this.emit({ type: "rtt", ms }),
      onLinkStats: (link) => this.emit({ type: "link", link }),
    });
    if (conversationId) this.conn.continueConversation(conversationId);
    this.conn.connect();
    this.health.start();
    try {
      this.mic = await this.deps.startMicrophone(
        {
          deviceId: this.settings.inputDeviceId || undefined,
          threshold: this.settings.vadThreshold,
          minSilenceMs: this.settings.minSilenceMs,
        },
        {
          onFrame: (frame, p) => this.onFrame(frame, p),
          onSpeechStart: () => this.onSpeechStart(),
          onSpeechConfirmed: () => this.onSpeechConfirmed(),
          onSpeechEnd: () => this.onSpeechEnd(),
          onMisfire: () => this.onMisfire(),
        },
      );
      this.followConnection();
    } catch (err) {
      this.state.set("off");
      this.emit({ type: "mic-error", message: `Microphone unavailable: ${(err as Error).message}` });
    }
  }

  async stop(): Promise<void> {
    this.health.stop();
    this.conn?.close();
    await this.mic?.destroy();
    await this.player?.close();
    this.mic = null;
    this.player = null;
    this.replies = null;
    this.state.set("off");
    this.emit({ type: "audible", audible: false });
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.mic?.setOptions({
      positiveSpeechThreshold: settings.vadThreshold,
      negativeSpeechThreshold: Math.max(0.05, settings.vadThreshold - 0.15),
      redemptionMs: settings.minSilenceMs,
    });
    this.followConnection();
  }

  /** Continue a stored conversation (its turns are shown by the caller), or start a new one (null). */
  continueConversation(id: string | null): void {
    this.emit({ type: "conversation", id });
    this.conn?.continueConversation(id);
  }

  // ------------------------------------------------------------------ microphone

  /** The mic listens only while a session can hear it; otherwise it says so and sends nothing. */
  private followConnection(): void {
    if (this.mic) this.state.follow(this.connection === "connected", this.settings.mode);
  }

  private get connected(): boolean {
    return !!this.conn?.isReady;
  }

  private onFrame(frame: Float32Array, probability: number): void {
    if (++this.levelTick % 3 === 0) this.emit({ type: "input-level", level: rms(frame) });
    if (this.state.muted) {
      this.ring = [];
      return;
    }
    if (probability >= this.settings.vadThreshold) this.lastVoicedAt = this.now();
    if (this.state.sending || this.streaming) this.sendFrame(frame);
    else {
      this.ring.push(frame);
      if (this.ring.length > PRE_SPEECH_FRAMES) this.ring.shift();
    }
  }

  private sendFrame(frame: Float32Array): void {
    for (const f of this.framer.push(floatToInt16(frame))) this.conn?.sendAudio(f);
  }

  private beginSending(): boolean {
    if (!this.connected) {
      this.state.set("paused");
      this.emit({ type: "notice", text: "Not connected to the pod: what you say now is not heard." });
      return false;
    }
    if (this.state.sending) return true;
    this.state.sending = true;
    for (const f of this.ring) this.sendFrame(f);
    this.ring = [];
    return true;
  }

  /** The microphone goes to the pod as it is, the pod deciding the turns (pod turn-taking, hands-free, unmuted, connected). */
  private get streaming(): boolean {
    return this.podTurns && this.settings.mode === "hands-free" && !this.state.muted && this.connected;
  }

  private onSpeechStart(): void {
    if (this.state.muted) {
      this.state.setTalkingWhileMuted(true);
      return;
    }
    if (this.settings.mode !== "hands-free") return;
    if (this.streaming) {
      this.state.set("hearing-speech"); // the pod decides what it is
      return;
    }
    const startedAt = this.replies?.startedAt ?? 0;
    if (startedAt && this.now() - startedAt < ECHO_WARMUP_MS) return;
    if (!this.beginSending()) return;
    this.replies?.holdForVoice();
    this.state.set("hearing-speech");
  }

  private onSpeechConfirmed(): void {
    if (this.podTurns) return;
    if (this.state.muted || this.settings.mode !== "hands-free" || !this.state.sending) return;
    void this.bargeIn();
  }

  private onMisfire(): void {
    if (this.state.muted) this.state.setTalkingWhileMuted(false);
    if (this.settings.mode !== "hands-free") return;
    if (this.podTurns) {
      this.heardOut();
      return;
    }
    this.replies?.dismissVoice();
    if (this.state.sending) this.conn?.send({ type: "input.audio.clear" });
    this.state.sending = false;
    this.followConnection();
    if (this.state.status === "hearing-speech") this.state.set("listening");
  }

  private onSpeechEnd(): void {
    if (this.state.muted) this.state.setTalkingWhileMuted(false);
    if (this.podTurns && this.settings.mode === "hands-free") {
      this.heardOut();
      return;
    }
    if (this.settings.mode !== "hands-free" || !this.state.sending) return;
    this.finishUtterance();
    this.state.set("listening");
  }

  /** The local VAD's speech is over; with the pod deciding, the screen just goes back to listening. */
  private heardOut(): void {
    if (this.state.status === "hearing-speech") this.state.set("listening");
  }

  private finishUtterance(): void {
    const rest = this.framer.flush();
    if (rest) this.conn?.sendAudio(rest);
    this.state.sending = false;
    this.lastCommit = { at: this.now(), lastVoicedAt: this.lastVoicedAt || this.now() };
    this.conn?.send({ type: "input.audio.commit" });
  }

  /** Stops the reply the user hears; `byVoice`: they started talking (the pod is told so), else Esc or the button. */
  private async bargeIn(byVoice = true): Promise<void> {
    if (byVoice) this.conn?.send({ type: "input.speech_started" });
    await this.replies?.stop();
  }

  /**
   * Mute (the button and M): from now on nothing is sent and speech does not interrupt; an
   * utterance being sent is dropped, not answered. The reply keeps playing.
   */
  setMuted(muted: boolean): void {
    const wasSending = this.state.sending || this.streaming;
    if (muted && wasSending) {
      this.state.sending = false;
      this.framer.flush();
      this.conn?.send({ type: "input.audio.clear" });
    }
    this.state.setMuted(muted);
    this.followConnection();
  }

  get muted(): boolean {
    return this.state.muted;
  }

  /** Push-to-talk: hold to speak; pressing during a reply interrupts it. */
  pushToTalk(down: boolean): void {
    if (this.state.muted) return;
    if (this.settings.mode !== "push-to-talk" || down === this.state.pttHeld) return;
    this.state.pttHeld = down;
    if (down) {
      if (!this.beginSending()) return;
      void this.bargeIn();
      this.state.set("hearing-speech");
    } else if (this.state.sending) {
      this.finishUtterance();
      this.state.set("push-to-talk");
    }
  }

  /**
   * The global shortcut (it reports presses, not releases): in push-to-talk mode the first press
   * starts talking and the second sends; in hands-free mode it mutes and unmutes.
   */
  toggleTalk(): void {
    if (this.settings.mode === "push-to-talk") this.pushToTalk(!this.state.pttHeld);
    else this.setMuted(!this.state.muted);
  }

  /** The interrupt button and Esc. */
  interrupt(): void {
    this.replies?.interrupt();
  }

  /** Sends a typed message; false (with a notice) when the pod cannot take it now, so the caller keeps it. */
  sendText(text: string): boolean {
    if (!this.connected) {
      this.emit({ type: "notice", text: "Not connected to the pod: the message was not sent. It is still in the box." });
      return false;
    }
    this.conn?.send({ type: "input.text", text });
    this.emit({ type: "typed", id: `typed_${Date.now()}`, text });
    return true;
  }

  // ------------------------------------------------------------------ pod messages and playback

  /** After a reply was cut by a lost session, the conversation as the pod stored it (the view may have run ahead). */
  private async showStored(id: string): Promise<void> {
    try {
      this.emit({ type: "stored", conversation: await this.fetchConversation(id) });
    } catch {
      // The view keeps the clauses that were heard; History shows the stored text.
    }
  }

  private onMessage(m: ServerMessage): void {
    this.emit({ type: "server", message: m });
    if (m.type === "session.ready") {
      if (m.resumed) this.replies?.resumed();
      else if (this.replies?.lost() && m.conversationId) void this.showStored(m.conversationId);
    } else if (m.type === "input.committed") {
      this.spokenItems.add(m.itemId);
      // The pod ended the turn: voice-to-voice counts from the last frame the local VAD called voiced.
      if (this.podTurns) this.lastCommit = { at: this.now(), lastVoicedAt: this.lastVoicedAt || this.now() };
    } else if (m.type === "response.created") this.replies?.created(m, this.spokenItems.has(m.inReplyTo) ? this.lastCommit : null);
    else this.replies?.onMessage(m);
  }
}
