/**
 * Which voices this pod can speak: its engine's presets, and stored profiles when the engine clones.
 * The one place that says so, for hello, the studio's dialogues and anything else that names a voice.
 */
import { ProtocolError } from "@fireside/protocol";
import type { TtsEngine } from "../engines/types.js";
import type { VoiceProfiles } from "./voice-profiles.js";

export class VoiceRules {
  constructor(
    private readonly profiles: VoiceProfiles,
    /** The loaded TTS engine (null while models load). */
    private readonly tts: () => TtsEngine | null,
  ) {}

  /** Throws (E_BAD_REQUEST, naming the pod's voices) unless `id` can be spoken here. */
  check(id: string): void {
    if (!this.exists(id)) {
      const tts = this.tts();
      const presets = (tts?.voices ?? []).map((v) => v.id);
      const names = [...presets, ...(tts?.registerVoice ? this.profiles.list().map((p) => p.id) : [])];
      throw new ProtocolError("E_BAD_REQUEST", `unknown voice ${id}; this pod has: ${names.join(", ") || "no voices yet"}`);
    }
    this.checkCloneable(id);
  }

  /** False for an unknown voice; throws for a cloned profile on an engine with presets only. */
  known(id: string): boolean {
    if (!this.exists(id)) return false;
    this.checkCloneable(id);
    return true;
  }

  private exists(id: string): boolean {
    return this.isPreset(id) || this.isProfile(id);
  }

  private isPreset(id: string): boolean {
    return (this.tts()?.voices ?? []).some((v) => v.id === id);
  }

  private isProfile(id: string): boolean {
    try {
      this.profiles.get(id);
      return true;
    } catch {
      return false;
    }
  }

  /** A stored profile can be spoken only by a cloning engine: say so rather than speak another voice. */
  private checkCloneable(id: string): void {
    const tts = this.tts();
    if (tts && !this.isPreset(id) && !tts.registerVoice) {
      throw new ProtocolError(
        "E_BAD_REQUEST",
        `voice ${id} is a cloned profile; this pod's TTS engine (${tts.info.name}) has preset voices only`,
      );
    }
  }
}
