/**
 * Asks a pod over HTTP what a WebSocket cannot say (a browser sees a refused upgrade only as close
 * 1006): is anything there (`/health`), is the realtime path right, does it take the token
 * (`/v1/conversations`: 401 no or wrong token, 429 blocked for wrong tokens). The connection asks
 * after a socket closes before its hello is answered; Settings' "Test connection" asks it directly
 * and then `/ready` too.
 */
import { CONVERSATIONS_PATH, REALTIME_PATH } from "@fireside/protocol";

export type ProbeVerdict =
  | { kind: "absent" }
  | { kind: "wrong-path" }
  | { kind: "unauthorised" }
  | { kind: "blocked"; retryAfterMs: number }
  | { kind: "ok" }
  | { kind: "unknown" };

/** The pod's HTTP origin for a realtime URL (ws → http, wss → https). */
export function httpOrigin(podUrl: string): string {
  const url = new URL(podUrl);
  return `${url.protocol === "wss:" ? "https:" : "http:"}//${url.host}`;
}

export async function probePod(podUrl: string, token: string): Promise<ProbeVerdict> {
  const origin = httpOrigin(podUrl);
  try {
    await fetch(`${origin}/health`); // any HTTP answer at all: something listens there
  } catch {
    return { kind: "absent" };
  }
  if (new URL(podUrl).pathname !== REALTIME_PATH) return { kind: "wrong-path" };
  try {
    const res = await fetch(`${origin}${CONVERSATIONS_PATH}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (res.status === 401) return { kind: "unauthorised" };
    if (res.status === 429) return { kind: "blocked", retryAfterMs: Number(res.headers.get("retry-after") ?? 60) * 1000 };
    if (res.ok) return { kind: "ok" };
  } catch {
    // dropped between the two requests: as good as unknown
  }
  return { kind: "unknown" };
}

/** Settings' "Test connection": one sentence on whether the app can talk to this pod with this token, and if not, what to fix. */
export async function testConnection(podUrl: string, token: string): Promise<{ ok: boolean; text: string }> {
  let host: string;
  try {
    host = new URL(podUrl).host;
  } catch {
    return { ok: false, text: `"${podUrl}" is not an address.` };
  }
  const verdict = await probePod(podUrl, token);
  switch (verdict.kind) {
    case "absent":
      return { ok: false, text: `Nothing answers at ${host}: is the pod running, and is the address right?` };
    case "wrong-path":
      return { ok: false, text: `A server answers at ${host}, but the realtime address ends in ${REALTIME_PATH}.` };
    case "unauthorised":
      return {
        ok: false,
        text: token ? `The pod at ${host} refused this token.` : `The pod at ${host} needs a token (its FIRESIDE_TOKEN).`,
      };
    case "blocked":
      return {
        ok: false,
        text: `The pod at ${host} blocks this computer for wrong tokens for ${Math.ceil(verdict.retryAfterMs / 1000)} s.`,
      };
    case "unknown":
      return { ok: false, text: `A server answers at ${host}, but not as a Fireside pod does.` };
  }
  try {
    const ready = await fetch(`${httpOrigin(podUrl)}/ready`);
    const body = (await ready.json()) as { status?: string; draining?: boolean; loading?: { model: string; fraction: number } };
    if (ready.ok)
      return { ok: true, text: `The pod at ${host} takes this token and is ${body.status === "degraded" ? "ready, degraded" : "ready"}.` };
    if (body.draining) return { ok: true, text: `The pod at ${host} takes this token; it is stopping, and the app will move to another.` };
    const progress = body.loading ? ` (${body.loading.model} ${Math.round(body.loading.fraction * 100)}%)` : "";
    return { ok: true, text: `The pod at ${host} takes this token and is loading its models${progress}.` };
  } catch {
    return { ok: true, text: `The pod at ${host} takes this token.` };
  }
}
