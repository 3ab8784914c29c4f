/**
 * Which voices this pod can speak: its engine's presets, and stored profiles when the engine clones.
 * The one place that says so, for hello, the studio's dialogues and anything else that names a voice.
 * A profile stored by another pod of the fleet is handed to this pod's cloning engine the first time
 * it is named here, and again when it has changed since (its transcript edited through another pod).
 */
import { ProtocolError } from "@fireside/protocol";
import type { TtsEngine } from "../engines/types.js";
import type { VoiceProfile, VoiceProfiles } from "./voice-profiles.js";

export class VoiceRules {
  /** Profiles this pod's engine has been given (by id, with the version given), settled or in flight. */
  private readonly registered = new Map<string, { version: string; done: Promise<void> }>();
  private registeredWith: TtsEngine | null = null;

  constructor(
    private readonly profiles: VoiceProfiles,
    /** The loaded TTS engine (null while models load). */
    private readonly tts: () => TtsEngine | null,
  ) {}

  /** Throws (E_BAD_REQUEST, naming the pod's voices) unless `id` can be spoken here; makes it ready to speak. */
  async check(id: string): Promise<void> {
    if (!(await this.known(id))) {
      const tts = this.tts();
      const presets = (tts?.voices ?? []).map((v) => v.id);
      const names = [...presets, ...(tts?.registerVoice ? (await this.profiles.list()).map((p) => p.id) : [])];
      throw new ProtocolError("E_BAD_REQUEST", `unknown voice ${id}; this pod has: ${names.join(", ") || "no voices yet"}`);
    }
  }

  /** False for an unknown voice; throws for a cloned profile on an engine with presets only. Makes a known one ready to speak. */
  async known(id: string): Promise<boolean> {
    if (this.isPreset(id)) return true;
    const profile = await this.profiles.find(id);
    if (!profile) return false;
    const tts = this.tts();
    // A stored profile can be spoken only by a cloning engine: say so rather than speak another voice.
    if (tts && !tts.registerVoice) {
      throw new ProtocolError(
        "E_BAD_REQUEST",
        `voice ${id} is a cloned profile; this pod's TTS engine (${tts.info.name}) has preset voices only`,
      );
    }
    if (tts) await this.register(tts, profile);
    return true;
  }

  /**
   * Gives the engine a profile it does not have yet, or has as it was before a change (one cloned or
   * edited through another pod, or before a restart).
   */
  register(tts: TtsEngine, profile: Pick<VoiceProfile, "id" | "transcript" | "updatedAt">): Promise<void> {
    if (this.registeredWith !== tts) {
      this.registered.clear();
      this.registeredWith = tts;
    }
    const { id, transcript, updatedAt } = profile;
    const had = this.registered.get(id);
    if (had?.version === updatedAt) return had.done;
    const done = this.profiles.withAudioFile(id, (path) => tts.registerVoice!(id, path, transcript));
    // A failed registration is tried again the next time the voice is named.
    done.catch(() => {
      if (this.registered.get(id)?.done === done) this.registered.delete(id);
    });
    this.registered.set(id, { version: updatedAt, done });
    return done;
  }

  /** A profile changed (new transcript) or was deleted: the engine is given it afresh when next named. */
  forget(id: string): void {
    this.registered.delete(id);
  }

  private isPreset(id: string): boolean {
    return (this.tts()?.voices ?? []).some((v) => v.id === id);
  }
}
