/**
 * Voice profiles: a reference clip (normalised to 16 kHz mono WAV, in the blob store), its exact
 * transcript, language and measurements, in the database. Creation is all or nothing: the clip is
 * stored first and removed again when its row cannot be.
 */
import { randomUUID } from "node:crypto";
import { writeWav } from "@fireside/audio";
import { ProtocolError } from "@fireside/protocol";
import type { SpeakerEncoder, VadEngine } from "../engines/types.js";
import type { Blobs } from "../store/blobs.js";
import type { Sql } from "../store/sql.js";
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
    private readonly sql: Sql,
    private readonly blobs: Blobs,
  ) {}

  async list(): Promise<VoiceProfile[]> {
    return (await this.sql.all<Row>("SELECT * FROM voice_profiles ORDER BY created_at")).map(toProfile);
  }

  async get(id: string): Promise<VoiceProfile> {
    return toProfile(await this.row(id));
  }

  /** The profile, or null when there is none. */
  async find(id: string): Promise<VoiceProfile | null> {
    const r = await this.sql.get<Row>("SELECT * FROM voice_profiles WHERE id = ?", [id]);
    return r ? toProfile(r) : null;
  }

  async exists(id: string): Promise<boolean> {
    return !!(await this.sql.get("SELECT 1 AS one FROM voice_profiles WHERE id = ?", [id]));
  }

  /** The reference clip as WAV bytes. */
  async audio(id: string): Promise<Uint8Array> {
    const bytes = await this.blobs.get((await this.row(id)).audio_file);
    if (!bytes) throw new ProtocolError("E_NOT_FOUND", `voice profile ${id} has lost its reference clip`);
    return bytes;
  }

  /** Runs `fn` with the reference clip as a file (engines load clips by path). */
  async withAudioFile<T>(id: string, fn: (path: string) => Promise<T>): Promise<T> {
    return this.blobs.withFile((await this.row(id)).audio_file, fn);
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
    const now = new Date().toISOString();
    await this.blobs.put(file, writeWav(decoded.samples, 16000));
    try {
      await this.sql.run(
        "INSERT INTO voice_profiles (id, name, language, transcript, audio_file, duration_ms, source_format, source_sample_rate, metrics_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
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
        ],
      );
    } catch (err) {
      await this.blobs.delete(file).catch(() => {}); // the row never happened: no clip without a profile
      throw err;
    }
    return this.get(id);
  }

  async update(id: string, patch: { name?: unknown; transcript?: unknown; language?: unknown }): Promise<VoiceProfile> {
    const current = await this.get(id);
    const name = patch.name === undefined ? current.name : field(patch.name, "name", 1, 80);
    const transcript = patch.transcript === undefined ? current.transcript : field(patch.transcript, "transcript", 1, 1000);
    const language = patch.language === undefined ? current.language : field(patch.language, "language", 2, 8);
    await this.sql.run("UPDATE voice_profiles SET name = ?, transcript = ?, language = ?, updated_at = ? WHERE id = ?", [
      name,
      transcript,
      language,
      new Date().toISOString(),
      id,
    ]);
    return this.get(id);
  }

  async setQuality(id: string, quality: unknown): Promise<VoiceProfile> {
    await this.row(id);
    await this.sql.run("UPDATE voice_profiles SET quality_json = ?, updated_at = ? WHERE id = ?", [
      JSON.stringify(quality),
      new Date().toISOString(),
      id,
    ]);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const { audio_file } = await this.row(id);
    await this.sql.run("DELETE FROM voice_profiles WHERE id = ?", [id]);
    await this.blobs.delete(audio_file);
    await this.sql.eraseDeleted();
  }

  private async row(id: string): Promise<Row> {
    const row = await this.sql.get<Row>("SELECT * FROM voice_profiles WHERE id = ?", [id]);
    if (!row) throw new ProtocolError("E_NOT_FOUND", `no voice profile ${id}`);
    return row;
  }
}
