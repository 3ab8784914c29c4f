/** session.hello negotiated before a Session exists: token, version, voice, resume or stored conversation, admission, settings. */
import { ProtocolError, type TurnDetection } from "@fireside/protocol";
import { describe, expect, it, vi } from "vitest";
import { type HandshakeDeps, negotiateHello } from "../src/session/handshake.js";
import type { SessionSnapshot } from "../src/session/resume-store.js";
import { HELLO, pod } from "./support/session-harness.js";

const hello = (extra: object = {}) => ({ ...HELLO, ...extra }) as Parameters<typeof negotiateHello>[0];
const serverVad: TurnDetection = { mode: "server_vad", silenceMs: 700, threshold: 0.5, minSpeechMs: 250 };
const parked: SessionSnapshot = {
  sessionId: "sess_parked",
  conversationId: "conv_1",
  voice: "amy",
  persona: "A pirate.",
  language: "fr",
  turnDetection: serverVad,
};

function deps(over: Partial<HandshakeDeps> = {}): HandshakeDeps {
  return {
    token: "",
    defaultPersona: "Helpful.",
    checkVoice: async () => {},
    loadConversation: async () => null,
    resume: async () => null,
    admit: () => null,
    authFailed: vi.fn(),
    ...over,
  };
}

describe("handshake", () => {
  it("a wrong or missing token is refused with close 4401 and counted; the upgrade's token is enough", async () => {
    const d = deps({ token: "right" });
    for (const token of ["wrong", undefined]) {
      const out = await negotiateHello(hello(token ? { token } : {}), false, d);
      expect(out).toMatchObject({ error: { code: "E_AUTH" }, close: { code: 4401 } });
    }
    expect(d.authFailed).toHaveBeenCalledTimes(2);
    expect(await negotiateHello(hello({ token: "right" }), false, d)).toHaveProperty("settled");
    expect(await negotiateHello(hello(), true, d)).toHaveProperty("settled");
  });

  it("an unknown protocol version is refused with close 4400", async () => {
    expect(await negotiateHello(hello({ protocols: ["fireside.v0"] }), false, deps())).toMatchObject({
      error: { code: "E_PROTOCOL_VERSION" },
      close: { code: 4400 },
    });
  });

  it("a voice the pod lacks or a conversation it does not have is refused without closing, and takes no slot", async () => {
    const admit = vi.fn(() => null);
    const d = deps({
      admit,
      checkVoice: async () => {
        throw new ProtocolError("E_BAD_REQUEST", "unknown voice nope; this pod has: joe");
      },
    });
    const voice = await negotiateHello(hello({ voice: "nope" }), false, d);
    expect(voice).toMatchObject({ error: { code: "E_BAD_MESSAGE", message: expect.stringContaining("this pod has: joe") } });
    expect(voice).not.toHaveProperty("close");
    const conversation = await negotiateHello(hello({ conversationId: "conv_nope" }), false, deps({ admit }));
    expect(conversation).toMatchObject({ error: { code: "E_BAD_MESSAGE" } });
    expect(conversation).not.toHaveProperty("close");
    expect(admit).not.toHaveBeenCalled();
  });

  it("a full pod refuses with E_BUSY and close 1013", async () => {
    const full = new ProtocolError("E_BUSY", "the pod is serving 2 conversations");
    expect(await negotiateHello(hello(), false, deps({ admit: () => full }))).toMatchObject({ error: full, close: { code: 1013 } });
  });

  it("a resume carries the parked settings on unless the hello names new ones", async () => {
    const d = deps({ resume: async (t) => (t === "tok" ? parked : null), loadConversation: async () => [] });
    const kept = await negotiateHello(hello({ resume: "tok", turnDetection: undefined }), false, d);
    expect(kept).toMatchObject({
      settled: { sessionId: "sess_parked", resumed: true, conversationId: "conv_1", voice: "amy", persona: "A pirate.", language: "fr" },
    });
    expect("settled" in kept && kept.settled.turnDetection).toEqual(serverVad);
    const renamed = await negotiateHello(hello({ resume: "tok", voice: "joe", persona: "Terse.", language: "de" }), false, d);
    expect(renamed).toMatchObject({ settled: { voice: "joe", persona: "Terse.", language: "de", turnDetection: HELLO.turnDetection } });
  });

  it("a new session gets a fresh id, the default persona, the negotiated audio, and a stored conversation to continue", async () => {
    const d = deps({ loadConversation: async (id) => (id === "conv_9" ? [{ role: "user", content: "earlier" }] : null) });
    const a = await negotiateHello(hello({ conversationId: "conv_9" }), false, d);
    const b = await negotiateHello(hello({ resume: "unknown-token" }), false, d);
    expect(a).toMatchObject({
      settled: {
        resumed: false,
        conversationId: "conv_9",
        history: [{ content: "earlier" }],
        persona: "Helpful.",
        input: HELLO.audio.input,
      },
    });
    expect(b).toMatchObject({ settled: { resumed: false, conversationId: null } });
    const ids = [a, b].map((o) => ("settled" in o ? o.settled.sessionId : ""));
    expect(ids[0]).toMatch(/^sess_[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("a connection before hello", () => {
  it("answers ping, refuses other messages and audio with E_NOT_READY, bad JSON with E_BAD_JSON, and stays open", async () => {
    const c = pod().connect();
    c.send({ type: "ping", id: 7, t: 1 });
    expect(await c.next("pong")).toMatchObject({ id: 7 });
    c.send({ type: "input.text", text: "Hi." });
    expect(await c.next("error")).toMatchObject({ code: "E_NOT_READY", inReplyTo: "input.text" });
    c.silence(1);
    expect(await c.next("error", (m) => m.inReplyTo === "audio")).toMatchObject({ code: "E_NOT_READY" });
    c.connection.onText("{not json");
    expect(await c.next("error", (m) => m.code === "E_BAD_JSON")).toBeTruthy();
    expect(c.closed()).toBeNull();
    c.send(HELLO);
    expect(await c.next("session.ready")).toMatchObject({ resumed: false });
  });

  it("a wrong token gets E_AUTH and close 4401, and counts as an auth failure", async () => {
    const c = pod({ token: "right" }).connect();
    c.send({ ...HELLO, token: "wrong" });
    expect(await c.next("error")).toMatchObject({ code: "E_AUTH" });
    expect(c.closed()).toBe(4401);
    expect(c.authFailed).toHaveBeenCalledOnce();
  });

  it("a second hello on an accepted session is refused and the session stays", async () => {
    const c = pod().connect();
    c.send(HELLO);
    const ready = await c.next("session.ready");
    c.send(HELLO);
    expect(await c.next("error")).toMatchObject({ code: "E_BAD_MESSAGE", inReplyTo: "session.hello" });
    expect(c.session.id).toBe(ready.sessionId);
  });
});
