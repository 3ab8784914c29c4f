/** JSON control messages. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClientMessage,
  clientMessageDocs,
  clientMessageSchemas,
  encodeMessage,
  LIMITS,
  parseClientMessage,
  parseServerMessage,
  renderProtocolDoc,
  serverMessageDocs,
  serverMessageSchemas,
} from "../src/index.js";
import { codeOf } from "./protocol-error.js";

describe("JSON control messages", () => {
  it("document every message type, each example valid against its schema", () => {
    expect(Object.keys(clientMessageDocs).sort()).toEqual(Object.keys(clientMessageSchemas).sort());
    expect(Object.keys(serverMessageDocs).sort()).toEqual(Object.keys(serverMessageSchemas).sort());
    for (const d of Object.values(clientMessageDocs)) expect(parseClientMessage(encodeMessage(d.example))).toEqual(d.example);
    for (const d of Object.values(serverMessageDocs)) expect(parseServerMessage(encodeMessage(d.example))).toEqual(d.example);
  });

  it("docs/protocol.md is the generated document (run `pnpm --filter @fireside/protocol docs`)", () => {
    const onDisk = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8");
    expect(onDisk).toBe(renderProtocolDoc());
  });

  it("fill turn-detection defaults", () => {
    const hello = parseClientMessage(
      JSON.stringify({ ...clientMessageDocs["session.hello"].example, turnDetection: { mode: "client_vad" } }),
    ) as Extract<ClientMessage, { type: "session.hello" }>;
    expect(hello.turnDetection).toEqual({ mode: "client_vad", silenceMs: 600, threshold: 0.5, minSpeechMs: 200 });
  });

  it("round-trip mutated examples that still satisfy the schema", () => {
    const examples = Object.values(clientMessageDocs).map((d) => d.example);
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.string({ maxLength: 200 }), (example, text) => {
        const msg = "text" in example ? { ...example, text: text || "x" } : example;
        expect(parseClientMessage(encodeMessage(msg as ClientMessage))).toEqual(msg);
      }),
    );
  });

  it("reject text that is not JSON with E_BAD_JSON", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        let isJson = true;
        try {
          JSON.parse(s);
        } catch {
          isJson = false;
        }
        fc.pre(!isJson);
        expect(codeOf(() => parseClientMessage(s))).toBe("E_BAD_JSON");
      }),
    );
  });

  it("reject JSON of the wrong shape with E_BAD_MESSAGE", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!(value && typeof value === "object" && "type" in value));
        expect(codeOf(() => parseClientMessage(JSON.stringify(value)))).toBe("E_BAD_MESSAGE");
      }),
    );
    expect(codeOf(() => parseClientMessage('{"type":"nope"}'))).toBe("E_BAD_MESSAGE");
    expect(codeOf(() => parseClientMessage('{"type":"response.interrupt","responseId":"r","playedSamples":-1}'))).toBe("E_BAD_MESSAGE");
    expect(codeOf(() => parseClientMessage('{"type":"session.hello","protocols":[],"audio":{}}'))).toBe("E_BAD_MESSAGE");
  });

  it("reject oversize text frames before parsing them", () => {
    const huge = JSON.stringify({ type: "input.text", text: "a".repeat(LIMITS.maxTextFrameBytes) });
    expect(codeOf(() => parseClientMessage(huge))).toBe("E_FRAME_TOO_LARGE");
  });
});
