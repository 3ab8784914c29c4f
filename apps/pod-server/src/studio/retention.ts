/**
 * FIRESIDE_RETENTION_DAYS: voice profiles, dialogues and conversations not changed for that many days
 * are deleted (their audio too), checked at start and hourly. 0 keeps everything until someone
 * deletes it.
 */
import type { AuditLog } from "../audit/audit-log.js";
import type { ConversationStore } from "../store/conversations.js";
import type { DialogueJobs } from "./dialogue-jobs.js";
import type { VoiceProfiles } from "./voice-profiles.js";

const DAY_MS = 86_400_000;

/** Another pod of the fleet may have swept the same item a moment before: gone is what was wanted. */
async function gone(deletion: Promise<void>): Promise<void> {
  try {
    await deletion;
  } catch (err) {
    if ((err as { code?: unknown }).code !== "E_NOT_FOUND") throw err;
  }
}

export interface Kept {
  profiles: VoiceProfiles;
  jobs: DialogueJobs;
  conversations: ConversationStore;
}

export async function sweepExpired(
  { profiles, jobs, conversations }: Kept,
  days: number,
  audit: AuditLog,
  now = Date.now(),
): Promise<{ voices: number; dialogues: number; conversations: number }> {
  if (days <= 0) return { voices: 0, dialogues: 0, conversations: 0 };
  const cutoff = new Date(now - days * DAY_MS).toISOString();
  const voices = (await profiles.list()).filter((p) => p.updatedAt < cutoff);
  for (const v of voices) await gone(profiles.delete(v.id));
  const dialogues = (await jobs.list()).filter((j) => j.updatedAt < cutoff && j.status !== "queued" && j.status !== "running");
  for (const j of dialogues) await gone(jobs.delete(j.id));
  const oldConversations = await conversations.unchangedSince(cutoff);
  for (const c of oldConversations) await gone(conversations.delete(c));
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

/**
 * Sweeps now and every hour; returns the stop function. A sweep that fails (the database is
 * unreachable, the disk full) is reported and tried again at the next hour.
 */
export function keepRetention(kept: Kept, days: number, audit: AuditLog, onError: (err: Error) => void): () => void {
  if (days <= 0) return () => {};
  const sweep = () => void sweepExpired(kept, days, audit).catch(onError);
  sweep();
  const timer = setInterval(sweep, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
