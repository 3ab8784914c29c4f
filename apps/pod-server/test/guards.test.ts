/** The pod's guards as plain modules: token parsing, client address, pending sockets, rate limits, CORS. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../src/guard/client-address.js";
import { corsPolicy } from "../src/guard/cors.js";
import { PendingSockets } from "../src/guard/pending-sockets.js";
import { RateLimits } from "../src/guard/rate-limits.js";
import { tokenEquals, tokenFrom } from "../src/guard/token.js";

const req = (headers: Record<string, string | string[]>, remoteAddress = "10.0.0.1", method = "GET") =>
  ({ headers, socket: { remoteAddress }, method }) as unknown as IncomingMessage;

describe("token", () => {
  it("takes the bearer scheme in any case (RFC 7235), else ?token=", () => {
    const url = new URL("http://x/v1/voices?token=fromquery");
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"])
      expect(tokenFrom(req({ authorization: `${scheme} abc` }), url)).toBe("abc");
    expect(tokenFrom(req({ authorization: "Basic abc" }), url)).toBe("fromquery");
    expect(tokenFrom(req({}), new URL("http://x/"))).toBeNull();
  });
  it("compares tokens of any length without throwing", () => {
    expect(tokenEquals("secret", "secret")).toBe(true);
    expect(tokenEquals("secret", "secre")).toBe(false);
    expect(tokenEquals("", "secret")).toBe(false);
  });
});

describe("client address", () => {
  it("ignores X-Forwarded-For unless a proxy is trusted, then takes the entry the proxy added (the last)", () => {
    const r = req({ "x-forwarded-for": "6.6.6.6, 1.2.3.4" }, "10.0.0.9");
    expect(clientAddress(r, false)).toBe("10.0.0.9");
    expect(clientAddress(r, true)).toBe("1.2.3.4");
    expect(clientAddress(req({}, "10.0.0.9"), true)).toBe("10.0.0.9");
  });
});

describe("pending sockets", () => {
  it("caps sockets before hello per address and in all, and frees a slot once", () => {
    const p = new PendingSockets(2, 3);
    const a1 = p.admit("a");
    const a2 = p.admit("a");
    expect(p.admit("a")).toBe("address");
    const b1 = p.admit("b");
    expect(p.admit("c")).toBe("total");
    expect(typeof a1 === "function" && typeof a2 === "function" && typeof b1 === "function").toBe(true);
    (a1 as () => void)();
    (a1 as () => void)(); // twice frees once
    expect(p.count).toBe(2);
    expect(typeof p.admit("a")).toBe("function");
    expect(p.admit("c")).toBe("total");
  });
});

describe("rate limits", () => {
  const limits = () => new RateLimits({ rateRestPerMin: 3, rateConnectPerMin: 2, authFailuresPerWindow: 2, authBlockS: 60 });
  it("lets N requests a minute through per address and per token, then says how long to wait", async () => {
    const l = limits();
    expect([await l.restRequest("a", null), await l.restRequest("a", null), await l.restRequest("a", null)]).toEqual([0, 0, 0]);
    expect(await l.restRequest("a", null)).toBeGreaterThanOrEqual(1000);
    expect(await l.restRequest("b", null)).toBe(0);
    // One token from many addresses is limited too.
    for (const addr of ["c", "d", "e"]) expect(await l.restRequest(addr, "tok")).toBe(0);
    expect(await l.restRequest("f", "tok")).toBeGreaterThan(0);
  });
  it("blocks an address after its allowance of wrong tokens, and only that address", async () => {
    const l = limits();
    expect(await l.authBlockedFor("a")).toBe(0);
    await l.authFailed("a");
    expect(await l.authBlockedFor("a")).toBe(0);
    await l.authFailed("a");
    expect(await l.authBlockedFor("a")).toBeGreaterThan(50_000);
    expect(await l.authBlockedFor("b")).toBe(0);
  });
  it("limits connects per address", async () => {
    const l = limits();
    expect([await l.connect("a"), await l.connect("a")]).toEqual([0, 0]);
    expect(await l.connect("a")).toBeGreaterThan(0);
  });
});

describe("CORS", () => {
  const headersOf = (origin: string | undefined, publicRoute: boolean, method = "GET") => {
    const set: Record<string, string> = {};
    const res = {
      setHeader: (k: string, v: string) => {
        set[k.toLowerCase()] = v;
      },
      hasHeader: (k: string) => k.toLowerCase() in set,
      writeHead: () => ({ end: () => {} }),
    } as unknown as ServerResponse;
    const answered = corsPolicy("https://studio.example.com/")(
      req({ host: "pod:8787", ...(origin ? { origin } : {}) }, "x", method),
      res,
      publicRoute,
    );
    return { set, answered };
  };
  it("allows the pod's own pages, the desktop app and configured origins; no one else", () => {
    expect(headersOf("http://pod:8787", false).set["access-control-allow-origin"]).toBe("http://pod:8787");
    expect(headersOf("file://", false).set["access-control-allow-origin"]).toBe("file://");
    expect(headersOf("https://studio.example.com", false).set["access-control-allow-origin"]).toBe("https://studio.example.com");
    expect(headersOf("https://evil.example", false).set["access-control-allow-origin"]).toBeUndefined();
    expect(headersOf("null", false).set["access-control-allow-origin"]).toBeUndefined();
    expect(headersOf("https://evil.example", true).set["access-control-allow-origin"]).toBe("*");
  });
  it("answers a preflight, with the allowed methods only for allowed origins", () => {
    const ok = headersOf("file://", false, "OPTIONS");
    expect(ok.answered).toBe(true);
    expect(ok.set["access-control-allow-headers"]).toMatch(/Authorization/);
    const evil = headersOf("https://evil.example", false, "OPTIONS");
    expect(evil.answered).toBe(true);
    expect(evil.set["access-control-allow-methods"]).toBeUndefined();
  });
});
