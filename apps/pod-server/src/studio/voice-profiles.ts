/**
 * Voice profiles: a reference clip (stored normalised to 16 kHz mono WAV on the volume), its exact
 * transcript, language and measurements, in the database. Creation is all or nothing: the audio
 * is written under a temporary name and renamed only once the row is committed.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeWav } from "@fireside/audio";
import { ProtocolError } from "@fireside/protocol";
import type { SpeakerEncoder, VadEngine } from "../engines/types.js";
import { type Db, eraseDeleted } from "../store/database.js";
import { decodeReference, measureReference, type ReferenceMetrics, referenceProblems } from "./reference-audio.js";
import { countVoices } from "./speaker-count.js";
import { speechRatio } from "./speech-content.js";

export interface VoiceProfile {
  id: string;
  name: string;
  language: string;
  transcript: string;
  durationMs: number;
  sourceFormat: string;
  sourceSampleRate: number;
  metrics: ReferenceMetrics;
  quality: unknown;
  createdAt: string;
  updatedAt: string;
  preset: false;
}

interface Row {
  id: string;
  name: string;
  language: string;
  transcript: string;
  audio_file: string;
  duration_ms: number;
  source_format: string;
  source_sample_rate: number;
  metrics_json: string;
  quality_json: string | null;
  created_at: string;
  updated_at: string;
}

const toProfile = (r: Row): VoiceProfile => ({
  id: r.id,
  name: r.name,
  language: r.language,
  transcript: r.transcript,
  durationMs: r.duration_ms,
  sourceFormat: r.source_format,
  sourceSampleRate: r.source_sample_rate,
  metrics: JSON.parse(r.metrics_json),
  quality: r.quality_json ? JSON.parse(r.quality_json) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  preset: false,
});

function field(value: unknown, name: string, min: number, max: number): string {
  const v = typeof value === "string" ? value.trim() : "";
  if (v.length < min || v.length > max) {
    throw new ProtocolError(
      "E_BAD_REQUEST",
      `${name} must be ${min}–${max} characters${name === "transcript" ? " (the exact words of the clip; POST /v1/voices/transcribe suggests one)" : ""}`,
    );
  }
  return v;
}

export class VoiceProfiles {
  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    // A clip whose write was cut short (a full disk, a crash) before its row was committed is no profile.
    for (const f of readdirSync(dir)) if (f.endsWith(".part")) rmSync(join(dir, f), { force: true });
  }

  list(): VoiceProfile[] {
    return (this.db.prepare("SELECT * FROM voice_profiles ORDER BY created_at").all() as Row[]).map(toProfile);
  }

  get(id: string): VoiceProfile {
    const row = this.db.prepare("SELECT * FROM voice_profiles WHERE id = ?").get(id) as Row | undefined;
    if (!row) throw new ProtocolError("E_NOT_FOUND", `no voice profile ${id}`);
    return toProfile(row);
  }

  audioPath(id: string): string {
    const row = this.db.prepare("SELECT audio_file FROM voice_profiles WHERE id = ?").get(id) as { audio_file: string } | undefined;
    if (!row) throw new ProtocolError("E_NOT_FOUND", `no voice profile ${id}`);
    return join(this.dir, row.audio_file);
  }

  /** `vad`: when given, a clip without speech is refused; `speaker`: a clip holding two voices. */
  async create(
    input: { bytes: Uint8Array; name: unknown; language: unknown; transcript: unknown },
    engines: { vad?: VadEngine; speaker?: SpeakerEncoder } = {},
  ): Promise<VoiceProfile> {
    const name = field(input.name, "name", 1, 80);
    const language = field(input.language ?? "en", "language", 2, 8);
    const transcript = field(input.transcript, "transcript", 1, 1000);
    const decoded = await decodeReference(input.bytes);
    const metrics = measureReference(decoded);
    // The VAD and the encoder cost time: run them only on a clip that passed the cheap checks.
    if (engines.vad && referenceProblems(metrics).length === 0) metrics.speechRatio = await speechRatio(engines.vad, decoded.samples);
    if (engines.speaker && referenceProblems(metrics).length === 0) {
      const { partials } = await engines.speaker.embed(decoded.samples, { priority: "studio" });
      metrics.voices = countVoices(partials);
    }
    const problems = referenceProblems(metrics);
    if (problems.length) throw new ProtocolError("E_AUDIO_QUALITY", `this clip cannot be a voice reference: ${problems.join("; ")}`);
    const id = `voice_${randomUUID().slice(0, 12)}`;
    const file = `${id}.wav`;
    const tmp = join(this.dir, `.${file}.part`);
    const now = new Date().toISOString();
    try {
      // Inside the try: a write cut short by a full disk leaves no partial file behind.
      writeFileSync(tmp, writeWav(decoded.samples, 16000));
      this.db
        .prepare(
          "INSERT INTO voice_profiles (id, name, language, transcript, audio_file, duration_ms, source_format, source_sample_rate, metrics_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          id,
          name,
          language,
          transcript,
          file,
          metrics.durationMs,
          decoded.container,
          decoded.sourceSampleRate,
          JSON.stringify(metrics),
          now,
          now,
        );
      renameSync(tmp, join(this.dir, file));
    } catch (err) {
      rmSync(tmp, { force: true });
      try {
        this.db.prepare("DELETE FROM voice_profiles WHERE id = ?").run(id);
      } catch {
        // the insert never happened (a full database): nothing to take back
      }
      throw err;
    }
    return this.get(id);
  }

  update(id: string, patch: { name?: unknown; transcript?: unknown; language?: unknown }): VoiceProfile {
    const current = this.get(id);
    const name = patch.name === undefined ? current.name : field(patch.name, "name", 1, 80);
    const transcript = patch.transcript === undefined ? current.transcript : field(patch.transcript, "transcript", 1, 1000);
    const language = patch.language === undefined ? current.language : field(patch.language, "language", 2, 8);
    this.db
      .prepare("UPDATE voice_profiles SET name = ?, transcript = ?, language = ?, updated_at = ? WHERE id = ?")
      .run(name, transcript, language, new Date().toISOString(), id);
    return this.get(id);
  }

  setQuality(id: string, quality: unknown): VoiceProfile {
    this.get(id);
    this.db
      .prepare("UPDATE voice_profiles SET quality_json = ?, updated_at = ? WHERE id = ?")
      .run(JSON.stringify(quality), new Date().toISOString(), id);
    return this.get(id);
  }

  delete(id: string): void {
    const path = this.audioPath(id);
    this.db.prepare("DELETE FROM voice_profiles WHERE id = ?").run(id);
    eraseDeleted(this.db);
    if (existsSync(path)) rmSync(path);
  }
}
