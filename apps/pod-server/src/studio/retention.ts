/**
 * FIRESIDE_RETENTION_DAYS: voice profiles and dialogues not changed for that many days are deleted
 * (their files too), checked at start and hourly. 0 keeps everything until someone deletes it.
 */
import type { AuditLog } from "../audit/audit-log.js";
import type { DialogueJobs } from "./dialogue-jobs.js";
import type { VoiceProfiles } from "./voice-profiles.js";

const DAY_MS = 86_400_000;

export function sweepExpired(
  profiles: VoiceProfiles,
  jobs: DialogueJobs,
  days: number,
  audit: AuditLog,
  now = Date.now(),
): { voices: number; dialogues: number } {
  if (days <= 0) return { voices: 0, dialogues: 0 };
  const cutoff = new Date(now - days * DAY_MS).toISOString();
  const voices = profiles.list().filter((p) => p.updatedAt < cutoff);
  for (const v of voices) profiles.delete(v.id);
  const dialogues = jobs.list().filter((j) => j.updatedAt < cutoff && j.status !== "queued" && j.status !== "running");
  for (const j of dialogues) jobs.delete(j.id);
  if (voices.length || dialogues.length) {
    audit.record("retention.deleted", "ok", { days, voices: voices.map((v) => v.id), dialogues: dialogues.map((j) => j.id) });
  }
  return { voices: voices.length, dialogues: dialogues.length };
}

/** Sweeps now and every hour; returns the stop function. */
export function keepRetention(profiles: VoiceProfiles, jobs: DialogueJobs, days: number, audit: AuditLog): () => void {
  if (days <= 0) return () => {};
  sweepExpired(profiles, jobs, days, audit);
  const timer = setInterval(() => sweepExpired(profiles, jobs, days, audit), 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
