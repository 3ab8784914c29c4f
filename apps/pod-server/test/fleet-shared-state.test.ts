/**
 * What a fleet shares through a real Redis started here: wrong-token blocks and rate limits that
 * hold on every pod, and resume tokens that work on any pod (the pod still holding the old socket
 * lets it go). Redis stopped: each pod carries on with its own counters and resumes, no crash, and
 * shares again by itself once it is back.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pollUntil } from "../../../tests/support/poll.js";
import { missingServices, type Service, startRedis } from "../../../tests/support/services.js";
import { connectRedis, type FleetRedis } from "../src/fleet/redis.js";
import { RedisResumes } from "../src/fleet/shared-resumes.js";
import { RateLimits } from "../src/guard/rate-limits.js";
import { ResumeStore, type SessionSnapshot } from "../src/session/resume-store.js";

const missing = missingServices();
if (missing && process.env.CI) throw new Error(`CI must run the fleet's shared-state tests: ${missing}`);

const LIMITS = { rateRestPerMin: 5, rateConnectPerMin: 60, authFailuresPerWindow: 3, authBlockS: 60 };
const snap = (sessionId: string, conversationId: string | null = null): SessionSnapshot => ({
  sessionId,
  conversationId,
  voice: undefined,
  persona: "p",
  language: undefined,
  turnDetection: { mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 },
});

let redis: Service;
const clients: FleetRedis[] = [];
const connect = () => {
  const c = connectRedis(redis.url, () => {});
  clients.push(c);
  return c;
};

beforeAll(async () => {
  if (!missing) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  await redis?.stop();
});

describe.skipIf(!!missing)("the fleet's shared state on Redis", () => {
  it("a token guesser blocked through one pod is blocked on the others; a REST burst spread over pods is limited as one", async () => {
    const [a, b, c] = [connect(), connect(), connect()];
    await pollUntil("Redis connections", () => a.up() && b.up() && c.up());
    const pods = [a, b, c].map((r) => new RateLimits(LIMITS, r.client));
    for (const pod of pods) await pod.authFailed("203.0.113.9"); // three wrong tokens, one on each pod
    for (const pod of pods) expect(await pod.authBlockedFor("203.0.113.9")).toBeGreaterThan(0);
    expect(await pods[0]!.authBlockedFor("203.0.113.10")).toBe(0);
    const waits = [];
    for (let i = 0; i < 9; i++) waits.push(await pods[i % 3]!.restRequest("198.51.100.7", null));
    expect(waits.filter((w) => w === 0)).toHaveLength(5); // the minute's five, across the three pods together
  });

  it("a session live on pod A resumes on pod B, and A lets its old socket go without parking it", async () => {
    const a = new ResumeStore(60_000, 1024, new RedisResumes(connect(), "pod-a"));
    const b = new ResumeStore(60_000, 1024, new RedisResumes(connect(), "pod-b"));
    try {
      await pollUntil("Redis connections", () => clients.every((c) => c.up()));
      const takeOver = vi.fn();
      let snapshot = snap("sess_1");
      const token = a.issue({ snapshot: () => snapshot, takeOver });
      snapshot = snap("sess_1", "conv_7"); // the conversation began: the fleet's copy follows
      a.refresh(token);
      await pollUntil("the refreshed snapshot", async () => {
        const probe = await clients.at(-1)!.client.keys("fireside:resume:*");
        return probe.length > 0 && (await clients.at(-1)!.client.get(probe[0]!))!.includes("conv_7");
      });
      expect(await b.take(token)).toMatchObject({ sessionId: "sess_1", conversationId: "conv_7" });
      await pollUntil("pod A to let the old socket go", () => takeOver.mock.calls.length === 1);
      a.park(token, snapshot); // the old socket's close
      expect(await b.take(token)).toBeNull(); // a token works once, on any pod
      expect(await a.take(token)).toBeNull();
    } finally {
      a.close();
      b.close();
    }
  });

  it("a session parked when its pod's socket dropped resumes on another pod; a killed pod's live session too", async () => {
    const a = new ResumeStore(60_000, 1024, new RedisResumes(connect(), "pod-a"));
    const b = new ResumeStore(60_000, 1024, new RedisResumes(connect(), "pod-b"));
    try {
      await pollUntil("Redis connections", () => clients.every((c) => c.up()));
      const parked = a.issue({ snapshot: () => snap("sess_p"), takeOver: () => {} });
      a.park(parked, snap("sess_p", "conv_p"));
      const killed = a.issue({ snapshot: () => snap("sess_k", "conv_k"), takeOver: () => {} });
      a.close(); // pod A is gone: nothing more from it
      await pollUntil("both snapshots shared", async () => (await clients[0]!.client.keys("fireside:resume:*")).length >= 2);
      expect(await b.take(parked)).toMatchObject({ sessionId: "sess_p", conversationId: "conv_p" });
      expect(await b.take(killed)).toMatchObject({ sessionId: "sess_k", conversationId: "conv_k" });
    } finally {
      b.close();
    }
  });

  it("with Redis down each pod counts and resumes on its own, never throws; sharing comes back with Redis", async () => {
    const r = connect();
    await pollUntil("Redis connection", () => r.up());
    const limits = new RateLimits(LIMITS, r.client);
    const errors: Error[] = [];
    const resumes = new ResumeStore(60_000, 1024, new RedisResumes(r, "pod-a"), (e) => errors.push(e));
    try {
      await redis.stop();
      await pollUntil("the connection to notice", () => !r.up());
      // Counted in memory meanwhile: a guesser is still blocked, on this pod.
      for (let i = 0; i < 3; i++) await limits.authFailed("192.0.2.1");
      expect(await limits.authBlockedFor("192.0.2.1")).toBeGreaterThan(0);
      const token = resumes.issue({ snapshot: () => snap("sess_local"), takeOver: () => {} });
      resumes.park(token, snap("sess_local"));
      expect(await resumes.take(token)).toMatchObject({ sessionId: "sess_local" });
      expect(await resumes.take("unknown-token")).toBeNull();
      await redis.start();
      await pollUntil("the connection to come back", () => r.up(), 15_000);
      const other = new RateLimits(LIMITS, connect().client);
      await pollUntil("Redis connections", () => clients.every((c) => c.up()));
      for (let i = 0; i < 3; i++) await limits.authFailed("192.0.2.2");
      expect(await other.authBlockedFor("192.0.2.2")).toBeGreaterThan(0);
    } finally {
      resumes.close();
    }
  });
});
