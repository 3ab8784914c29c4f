/**
 * REST endpoints of the voice studio under /v1/voices (same token as the WebSocket). Errors are
 * JSON `{ error: { code, message, retryable } }` with the protocol's stable codes.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readWav } from "@fireside/audio";
import {
  dialogueRequestSchema,
  type ErrorCode,
  ProtocolError,
  parseDialogueScript,
  ScriptError,
  type VoiceQuality,
} from "@fireside/protocol";
import type { Engines } from "../engines/types.js";
import type { DialogueJobs } from "../studio/dialogue-jobs.js";
import { decodeReference } from "../studio/reference-audio.js";
import type { VoiceProfiles } from "../studio/voice-profiles.js";
import { assessVoice } from "../studio/voice-quality.js";

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
  jobs: DialogueJobs;
  engines: () => Engines | null;
  maxUploadBytes: number;
  authorised: (req: IncomingMessage) => boolean;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(); // mid-response: the only honest signal left is a cut connection
    return;
  }
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
    const parts = url.pathname.split("/").filter(Boolean); // ["v1", "voices" | "dialogues", id?, action?]
    if (parts[0] !== "v1" || (parts[1] !== "voices" && parts[1] !== "dialogues")) return false;
    const handle = async () => {
      if (!deps.authorised(req)) throw new ProtocolError("E_AUTH", "missing or wrong token");
      if (parts[1] === "dialogues") return dialogues(req, res, parts[2], parts[3]);
      const id = parts[2];
      const method = req.method ?? "GET";
      if (!id && method === "GET") {
        const presets = (deps.engines()?.tts.voices ?? []).map((v) => ({ ...v, preset: true }));
        return send(res, 200, { voices: [...presets, ...deps.profiles.list()] });
      }
      if (!id && method === "POST") {
        const bytes = await readBody(req, deps.maxUploadBytes);
        // The one-speaker check needs the speaker encoder, loaded with the other models.
        const engines = deps.engines();
        if (!engines) throw new ProtocolError("E_BUSY", "models are still loading");
        const q = url.searchParams;
        const profile = await deps.profiles.create(
          { bytes, name: q.get("name"), language: q.get("language") ?? undefined, transcript: q.get("transcript") },
          engines.speaker,
        );
        // A cloning engine keeps voices in memory: give it the new one now.
        await engines.tts.registerVoice?.(profile.id, deps.profiles.audioPath(profile.id), profile.transcript);
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
      if (id && parts[3] === "quality" && method === "POST") {
        const engines = deps.engines();
        if (!engines) throw new ProtocolError("E_BUSY", "models are still loading");
        const profile = deps.profiles.get(id);
        let quality: VoiceQuality;
        try {
          const reference = readWav(readFileSync(deps.profiles.audioPath(id))).samples;
          quality = await assessVoice(id, profile.language, reference, engines);
        } catch (err) {
          if (err instanceof ProtocolError) throw err;
          throw new ProtocolError("E_ENGINE", `assessment failed: ${(err as Error).message}`);
        }
        return send(res, 200, deps.profiles.setQuality(id, quality));
      }
      if (id && parts[3] === "audio" && method === "GET") {
        const wav = readFileSync(deps.profiles.audioPath(id));
        res.writeHead(200, { "Content-Type": "audio/wav" }).end(wav);
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

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    try {
      return JSON.parse(Buffer.from(await readBody(req, 1024 * 1024)).toString("utf8"));
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError("E_BAD_REQUEST", "body must be JSON");
    }
  }

  async function dialogues(req: IncomingMessage, res: ServerResponse, id?: string, action?: string): Promise<void> {
    const method = req.method ?? "GET";
    if (!id && method === "GET") return send(res, 200, { jobs: deps.jobs.list() });
    if (!id && method === "POST") {
      const body = await readJson(req);
      let lines = body.lines;
      if (typeof body.script === "string") {
        try {
          lines = parseDialogueScript(body.script);
        } catch (err) {
          if (err instanceof ScriptError) throw new ProtocolError("E_BAD_REQUEST", `script ${err.message}`);
          throw err;
        }
      }
      const parsed = dialogueRequestSchema.safeParse({ ...body, lines });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ProtocolError("E_BAD_REQUEST", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
      }
      return send(res, 201, deps.jobs.submit(parsed.data));
    }
    if (!id) throw new ProtocolError("E_BAD_REQUEST", `${method} /v1/dialogues is not an endpoint`);
    if (!action && method === "GET") return send(res, 200, deps.jobs.get(id));
    if (!action && method === "DELETE") {
      deps.jobs.delete(id);
      res.writeHead(204).end();
      return;
    }
    if (action === "cancel" && method === "POST") return send(res, 200, deps.jobs.cancel(id));
    if (action === "timings" && method === "GET") return send(res, 200, { lines: deps.jobs.timings(id) });
    if (action === "audio" && method === "GET") {
      const wav = readFileSync(deps.jobs.resultPath(id)); // throws E_NOT_FOUND before any header goes out
      res.writeHead(200, { "Content-Type": "audio/wav", "Content-Disposition": `attachment; filename="${id}.wav"` }).end(wav);
      return;
    }
    throw new ProtocolError("E_BAD_REQUEST", `${method} /v1/dialogues/${id}/${action ?? ""} is not an endpoint`);
  }
}
