/** The pod's one token: where a client may present it, and a comparison that leaks no timing. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Hashing first gives equal lengths, so the comparison time does not reveal the token's length. */
const digest = (s: string) => createHash("sha256").update(s).digest();
export const tokenEquals = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `Authorization: Bearer …` (the scheme is case-insensitive, RFC 7235) or `?token=…`. */
export function tokenFrom(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  const m = auth ? /^bearer +(\S+)\s*$/i.exec(auth) : null;
  if (m) return m[1]!;
  return url.searchParams.get("token");
}
