/**
 * A full disk as a typed error: SQLite's SQLITE_FULL and the file system's ENOSPC (or a quota's
 * EDQUOT) become E_STORAGE_FULL, which clients show as such, instead of an "unexpected server error".
 */
import { ProtocolError } from "@fireside/protocol";

// 53100: PostgreSQL's disk_full.
const FULL = new Set(["SQLITE_FULL", "ENOSPC", "EDQUOT", "53100"]);

/** E_STORAGE_FULL for an error that says the disk (or the database) is full; null for any other. */
export function storageFull(err: unknown): ProtocolError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !FULL.has(code)) return null;
  return new ProtocolError("E_STORAGE_FULL", "the pod's disk is full: this was not stored; the pod's operator needs to free space");
}
