/**
 * FIRESIDE_RETENTION_DAYS: voice profiles, dialogues and conversations not changed for that many days
 * are deleted (their files too), checked at start and hourly. 0 keeps everything until someone
 * deletes it.
 */
import type { AuditLog } from "../audit/audit-log.js";
import type { ConversationStore } from "../store/conversations.js";
import type { DialogueJobs } from "./dialogue-jobs.js";
import type { VoiceProfiles } from "./voice-profiles.js";

const DAY_MS = 86_400_000;

export interface Kept {
  profiles: VoiceProfiles;
  jobs: DialogueJobs;
  conversations: ConversationStore;
}

export function sweepExpired(
  { profiles, jobs, conversations }: Kept,
  days: number,
  audit: AuditLog,
  now = Date.now(),
): { voices: number; dialogues: number; conversations: number } {
  if (days <= 0) return { voices: 0, dialogues: 0, conversations: 0 };
  const cutoff = new Date(now - days * DAY_MS).toISOString();
  const voices = profiles.list().filter((p) => p.updatedAt < cutoff);
  for (const v of voices) profiles.delete(v.id);
  const dialogues = jobs.list().filter((j) => j.updatedAt < cutoff && j.status !== "queued" && j.status !== "running");
  for (const j of dialogues) jobs.delete(j.id);
  const oldConversations = conversations.unchangedSince(cutoff);
  for (const c of oldConversations) conversations.delete(c);
  if (voices.length || dialogues.length || oldConversations.length) {
    audit.record("retention.deleted", "ok", {
      days,
      voices: voices.map((v) => v.id),
      dialogues: dialogues.map((j) => j.id),
      conversations: oldConversations,
    });
  }
  return { voices: voices.length, dialogues: dialogues.length, conversations: oldConversations.length };
}

/** Sweeps now and every hour; returns the stop function. */
export function keepRetention(kept: Kept, days: number, audit: AuditLog): () => void {
  if (days <= 0) return () => {};
  sweepExpired(kept, days, audit);
  const timer = setInterval(() => sweepExpired(kept, days, audit), 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
