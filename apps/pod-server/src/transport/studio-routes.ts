/**
 * REST endpoints of the voice studio under /v1/voices (same token as the WebSocket). Errors are
 * JSON `{ error: { code, message, retryable } }` with the protocol's stable codes.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorCode, ProtocolError } from "@fireside/protocol";
import type { Engines } from "../engines/types.js";
import { decodeReference } from "../studio/reference-audio.js";
import type { VoiceProfiles } from "../studio/voice-profiles.js";

const STATUS: Partial<Record<ErrorCode, number>> = {
  E_AUTH: 401,
  E_BAD_REQUEST: 400,
  E_NOT_FOUND: 404,
  E_PAYLOAD_TOO_LARGE: 413,
  E_AUDIO_FORMAT: 415,
  E_AUDIO_QUALITY: 422,
  E_BUSY: 503,
  E_ENGINE: 502,
};

export interface StudioDeps {
  profiles: VoiceProfiles;
  engines: () => Engines | null;
  maxUploadBytes: number;
  authorised: (req: IncomingMessage) => boolean;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ProtocolError ? err : new ProtocolError("E_INTERNAL", "unexpected server error");
  if (e.code === "E_PAYLOAD_TOO_LARGE") res.setHeader("Connection", "close");
  send(res, STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, retryable: e.retryable } });
}

/** Reads the body up to `limit` bytes; past it, answers 413 without reading the rest. */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  const tooLarge = () => new ProtocolError("E_PAYLOAD_TOO_LARGE", `upload exceeds ${Math.round(limit / 1e6)} MB`);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

export function studioRoutes(deps: StudioDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean {
  return (req, res, url) => {
    const parts = url.pathname.split("/").filter(Boolean); // ["v1", "voices", id?, "audio"?]
    if (parts[0] !== "v1" || parts[1] !== "voices") return false;
    const handle = async () => {
      if (!deps.authorised(req)) throw new ProtocolError("E_AUTH", "missing or wrong token");
      const id = parts[2];
      const method = req.method ?? "GET";
      if (!id && method === "GET") {
        const presets = (deps.engines()?.tts.voices ?? []).map((v) => ({ ...v, preset: true }));
        return send(res, 200, { voices: [...presets, ...deps.profiles.list()] });
      }
      if (!id && method === "POST") {
        const bytes = await readBody(req, deps.maxUploadBytes);
        const q = url.searchParams;
        const profile = await deps.profiles.create({
          bytes,
          name: q.get("name"),
          language: q.get("language") ?? undefined,
          transcript: q.get("transcript"),
        });
        return send(res, 201, profile);
      }
      if (id === "transcribe" && method === "POST") {
        const engines = deps.engines();
        if (!engines) throw new ProtocolError("E_BUSY", "models are still loading");
        const decoded = await decodeReference(await readBody(req, deps.maxUploadBytes));
        const t = await engines.asr.transcribe(
          decoded.samples,
          url.searchParams.get("language") ? { language: url.searchParams.get("language")! } : {},
        );
        return send(res, 200, { text: t.text, language: t.language, note: "a suggestion: correct it to the exact words spoken" });
      }
      if (id && parts[3] === "audio" && method === "GET") {
        res.writeHead(200, { "Content-Type": "audio/wav" }).end(readFileSync(deps.profiles.audioPath(id)));
        return;
      }
      if (id && !parts[3] && method === "GET") return send(res, 200, deps.profiles.get(id));
      if (id && !parts[3] && method === "PATCH") {
        let patch: Record<string, unknown>;
        try {
          patch = JSON.parse(Buffer.from(await readBody(req, 64 * 1024)).toString("utf8"));
        } catch (err) {
          if (err instanceof ProtocolError) throw err;
          throw new ProtocolError("E_BAD_REQUEST", "body must be JSON: { name?, transcript?, language? }");
        }
        return send(res, 200, deps.profiles.update(id, patch));
      }
      if (id && !parts[3] && method === "DELETE") {
        deps.profiles.delete(id);
        res.writeHead(204).end();
        return;
      }
      throw new ProtocolError("E_BAD_REQUEST", `${method} ${url.pathname} is not an endpoint`);
    };
    handle().catch((err) => sendError(res, err));
    return true;
  };
}
