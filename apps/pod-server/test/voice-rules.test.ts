/**
 * A cloned voice in a fleet: each pod hands a stored profile to its own engine when it is first named
 * there, and again once it has changed — its transcript edited through another pod — so no pod goes
 * on speaking the voice as it was.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { voicedToneClip } from "../../../tests/support/clips.js";
import { createInstantEngines } from "../../../tests/support/instant-engines.js";
import type { TtsEngine } from "../src/engines/types.js";
import { openStorage } from "../src/store/storage.js";
import { VoiceProfiles } from "../src/studio/voice-profiles.js";
import { VoiceRules } from "../src/studio/voice-rules.js";

/** A cloning engine that records what it was given. */
function cloningTts(): { tts: TtsEngine; given: { id: string; transcript: string }[] } {
  const given: { id: string; transcript: string }[] = [];
  const base = createInstantEngines({ replySeconds: 1 }).tts;
  const tts: TtsEngine = {
    ...base,
    registerVoice: async (id: string, _path: string, transcript: string) => {
      given.push({ id, transcript });
    },
  } as TtsEngine;
  return { tts, given };
}

describe("voice rules", () => {
  it("gives the engine a profile once, and again after it was edited elsewhere", async () => {
    const storage = openStorage({ dataDir: mkdtempSync(join(tmpdir(), "voice-rules-")), databaseUrl: "" }, () => {});
    const profiles = new VoiceProfiles(storage.sql, storage.voiceAudio);
    const profile = await profiles.create({ bytes: voicedToneClip(), name: "Ann", language: "en", transcript: "First words." });
    const podA = cloningTts();
    const rules = new VoiceRules(profiles, () => podA.tts);
    expect(await rules.known(profile.id)).toBe(true);
    expect(await rules.known(profile.id)).toBe(true);
    expect(podA.given).toEqual([{ id: profile.id, transcript: "First words." }]);
    // Another pod edits it (same database) a second later: its updatedAt moves on.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 1000);
    await profiles.update(profile.id, { transcript: "Second words." });
    vi.useRealTimers();
    expect(await rules.known(profile.id)).toBe(true);
    expect(podA.given.map((g) => g.transcript)).toEqual(["First words.", "Second words."]);
    expect(await rules.known("voice_nobody")).toBe(false);
    await storage.sql.close();
  });
});
