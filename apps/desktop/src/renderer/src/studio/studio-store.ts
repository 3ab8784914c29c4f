/**
 * The studio's state, in one zustand store: the pod's voices and whether it clones, what the pod is
 * doing for the user now, and where the last failure is shown (the studio, or one voice's row).
 */
import type { VoiceList } from "@fireside/protocol";
import { create } from "zustand";
import type { StudioApi, Voice } from "./studio-api";
import { nameVoices } from "./voice-names";

interface StudioState {
  voices: Voice[];
  cloning: VoiceList["cloning"];
  /** The voice a hello without one gets (the pod's default). */
  defaultVoice: string | null;
  /** A failure shown for the whole studio, voices named by name. */
  error: string | null;
  /** A voice's failed action, shown in its own row; the next action clears it. */
  rowError: { id: string; text: string } | null;
  /** What the pod is doing for us right now, shown while the buttons wait (checks take seconds). */
  busy: string | null;
  /** Fetches the voice list. */
  load(api: StudioApi): Promise<void>;
  setError(error: string | null): void;
  /** A voice's action failed: said in its row, naming it. */
  failed(voice: Voice, doing: string, err: unknown): void;
  /** Runs a pod request, saying what it is doing; a failure goes to the voice's row (`on`) or the studio. True when it worked. */
  run(doing: string, fn: () => Promise<unknown>, on?: { voice: Voice; verb: string }): Promise<boolean>;
}

export const useStudio = create<StudioState>((set, get) => ({
  voices: [],
  cloning: { available: true, engine: null },
  defaultVoice: null,
  error: null,
  rowError: null,
  busy: null,
  async load(api) {
    try {
      const r = await api.voices();
      set({
        // Loaded: an earlier failure (a wrong token since fixed, a pod that was down) no longer holds.
        error: null,
        cloning: r.cloning ?? { available: true, engine: null },
        defaultVoice: r.defaultVoice ?? null,
        // A cloned voice this pod cannot speak is not offered anywhere.
        voices: r.cloning?.available === false ? r.voices.filter((v) => v.preset) : r.voices,
      });
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  setError: (error) => set({ error }),
  failed: (voice, doing, err) =>
    set({ rowError: { id: voice.id, text: `Could not ${doing} ${voice.name}: ${nameVoices((err as Error).message, get().voices)}` } }),
  async run(doing, fn, on) {
    set({ busy: doing, error: null, rowError: null });
    try {
      await fn();
      return true;
    } catch (e) {
      if (on) get().failed(on.voice, on.verb, e);
      else set({ error: nameVoices((e as Error).message, get().voices) });
      return false;
    } finally {
      set({ busy: null });
    }
  },
}));
