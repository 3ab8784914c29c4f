/**
 * REST endpoints of the voice studio under /v1/voices, /v1/dialogues and /v1/data (same token as
 * the WebSocket; the caller has already checked it and the rate limits). Errors are JSON
 * `{ error: { code, message, retryable } }` with the protocol's stable codes (http-json.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readWav } from "@fireside/audio";
import {
  dialogueRequestSchema,
  ProtocolError,
  parseDialogueScript,
  ScriptError,
  type VoiceList,
  type VoiceQuality,
} from "@fireside/protocol";
import type { AuditLog } from "../audit/audit-log.js";
import { defaultVoice } from "../engines/tts/default-voice.js";
import type { Engines } from "../engines/types.js";
import type { ConversationStore } from "../store/conversations.js";
import type { DialogueJobs } from "../studio/dialogue-jobs.js";
import { decodeReference, REFERENCE_LIMITS } from "../studio/reference-audio.js";
import { speechRatio } from "../studio/speech-content.js";
import { VoicePreviews } from "../studio/voice-preview.js";
import type { VoiceProfiles } from "../studio/voice-profiles.js";
import { assessVoice } from "../studio/voice-quality.js";
import type { VoiceRules } from "../studio/voice-rules.js";
import { readBody, readJsonObject, sendJson } from "./http-json.js";

export interface StudioDeps {
  profiles: VoiceProfiles;
  voices: VoiceRules;
  jobs: DialogueJobs;
  /** Deleted with everything else by DELETE /v1/data. */
  conversations: ConversationStore;
  engines: () => Engines | null;
  maxUploadBytes: number;
  audit: AuditLog;
}

/** Largest JSON body (a 500-line dialogue script fits). */
const MAX_JSON_BYTES = 1024 * 1024;

export const isStudioPath = (parts: string[]) =>
  parts[0] === "v1" && (parts[1] === "voices" || parts[1] === "dialogues" || parts[1] === "data");

/** Handles one authorised studio request; throws ProtocolError for the caller to answer. */
export function studioRoutes(deps: StudioDeps) {
  const loaded = (): Engines => {
    const engines = deps.engines();
    if (!engines) throw new ProtocolError("E_BUSY", "models are still loading");
    return engines;
  };
  const previews = new VoicePreviews();

  return async (req: IncomingMessage, res: ServerResponse, url: URL, address: string): Promise<void> => {
    const parts = url.pathname.split("/").filter(Boolean); // ["v1", "voices" | "dialogues" | "data", id?, action?]
    const method = req.method ?? "GET";
    if (parts[1] === "dialogues") return dialogues(req, res, address, parts[2], parts[3]);
    if (parts[1] === "data") return data(req, res, url, address, parts.length);
    const id = parts[2];
    if (!id && method === "GET") {
      const tts = deps.engines()?.tts;
      const presets = (tts?.voices ?? []).map((v) => ({ ...v, preset: true }));
      // Whether this pod can speak a cloned voice (the app offers cloning only then), and its engine's name to say why not.
      const cloning = { available: !!tts?.registerVoice, engine: tts?.info.name ?? null };
      const list: VoiceList = {
        voices: [...presets, ...(await deps.profiles.list())],
        cloning,
        defaultVoice: tts ? defaultVoice(tts.voices) : null,
      };
      return sendJson(res, 200, list);
    }
    if (!id && method === "POST") {
      const bytes = await readBody(req, deps.maxUploadBytes);
      // The speech and one-speaker checks need the VAD and speaker encoder, loaded with the other models.
      const engines = loaded();
      const q = url.searchParams;
      let profile: Awaited<ReturnType<VoiceProfiles["create"]>>;
      try {
        profile = await deps.profiles.create(
          { bytes, name: q.get("name"), language: q.get("language") ?? undefined, transcript: q.get("transcript") },
          engines,
        );
      } catch (err) {
        if (err instanceof ProtocolError)
          deps.audit.record("voice.upload_refused", "refused", { address, bytes: bytes.length, code: err.code });
        throw err;
      }
      deps.audit.record("voice.created", "ok", {
        address,
        voice: profile.id,
        name: profile.name,
        transcript: profile.transcript,
        bytes: bytes.length,
        durationMs: profile.durationMs,
      });
      // A cloning engine keeps voices in memory: give it the new one now.
      if (engines.tts.registerVoice) await deps.voices.register(engines.tts, profile);
      return sendJson(res, 201, profile);
    }
    if (id === "transcribe" && method === "POST") {
      const engines = loaded();
      const decoded = await decodeReference(await readBody(req, deps.maxUploadBytes));
      const seconds = decoded.samples.length / 16000;
      // Studio transcription shares Whisper with live turns: bound it like a reference clip.
      if (seconds * 1000 > REFERENCE_LIMITS.maxMs) {
        throw new ProtocolError(
          "E_AUDIO_QUALITY",
          `too long to transcribe: ${decoded.truncated ? "over " : ""}${seconds.toFixed(0)} s (at most ${REFERENCE_LIMITS.maxMs / 1000} s)`,
        );
      }
      const ratio = await speechRatio(engines.vad, decoded.samples);
      if (ratio < REFERENCE_LIMITS.minSpeechRatio) {
        throw new ProtocolError(
          "E_AUDIO_QUALITY",
          `no speech found: the voice detector heard speech in ${Math.round(ratio * 100)}% of the clip`,
        );
      }
      const language = url.searchParams.get("language");
      const t = await engines.asr.transcribe(decoded.samples, { priority: "studio", ...(language ? { language } : {}) });
      return sendJson(res, 200, { text: t.text, language: t.language, note: "a suggestion: correct it to the exact words spoken" });
    }
    if (id && parts[3] === "quality" && method === "POST") {
      const engines = loaded();
      const profile = await deps.profiles.get(id);
      let quality: VoiceQuality;
      try {
        // A voice cloned through another pod is given to this pod's engine first (assessVoice explains a preset-only one).
        if (engines.tts.registerVoice) await deps.voices.known(id);
        const reference = readWav(await deps.profiles.audio(id)).samples;
        quality = await assessVoice(id, profile.language, reference, engines);
      } catch (err) {
        deps.audit.record("voice.quality", "failed", { address, voice: id });
        if (err instanceof ProtocolError) throw err;
        throw new ProtocolError("E_ENGINE", `assessment failed: ${(err as Error).message}`);
      }
      deps.audit.record("voice.quality", "ok", { address, voice: id, verdict: quality.verdict });
      return sendJson(res, 200, await deps.profiles.setQuality(id, quality));
    }
    if (id && parts[3] === "preview" && method === "GET" && !parts[4]) {
      const engines = loaded();
      const preset = engines.tts.voices.find((v) => v.id === id);
      const profile = preset ? null : await deps.profiles.get(id);
      const language = preset ? preset.language : profile!.language;
      if (!preset && !engines.tts.registerVoice) {
        throw new ProtocolError(
          "E_BAD_REQUEST",
          `voice ${id} is a cloned profile and this pod's TTS engine (${engines.tts.info.name}) has preset voices only; its reference clip is at /v1/voices/${id}/audio`,
        );
      }
      if (!preset) await deps.voices.known(id);
      const wav = await previews.get(engines.tts, id, language, profile?.updatedAt);
      res.writeHead(200, { "Content-Type": "audio/wav", "Cache-Control": "private, max-age=3600" }).end(wav);
      return;
    }
    if (id && parts[3] === "audio" && method === "GET" && !parts[4]) {
      const wav = await deps.profiles.audio(id);
      res.writeHead(200, { "Content-Type": "audio/wav" }).end(wav);
      return;
    }
    if (id && !parts[3] && method === "GET") return sendJson(res, 200, await deps.profiles.get(id));
    if (id && !parts[3] && method === "PATCH") {
      const patch = await readJsonObject(req, 64 * 1024, "{ name?, transcript?, language? }");
      const updated = await deps.profiles.update(id, patch);
      previews.forget(id);
      deps.voices.forget(id);
      deps.audit.record("voice.updated", "ok", { address, voice: id, fields: Object.keys(patch), name: updated.name });
      return sendJson(res, 200, updated);
    }
    if (id && !parts[3] && method === "DELETE") {
      await deps.profiles.delete(id);
      previews.forget(id);
      deps.voices.forget(id);
      deps.audit.record("voice.deleted", "ok", { address, voice: id });
      res.writeHead(204).end();
      return;
    }
    throw new ProtocolError("E_BAD_REQUEST", `${method} ${url.pathname} is not an endpoint`);
  };

  async function dialogues(req: IncomingMessage, res: ServerResponse, address: string, id?: string, action?: string): Promise<void> {
    const method = req.method ?? "GET";
    if (!id && method === "GET") return sendJson(res, 200, { jobs: await deps.jobs.list() });
    if (!id && method === "POST") {
      const body = await readJsonObject(req, MAX_JSON_BYTES, "{ lines: [{speaker, text}], voices } or { script, voices }");
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
      const job = await deps.jobs.submit(parsed.data);
      deps.audit.record("dialogue.created", "ok", { address, job: job.id, lines: parsed.data.lines.length });
      return sendJson(res, 201, job);
    }
    if (!id) throw new ProtocolError("E_BAD_REQUEST", `${method} /v1/dialogues is not an endpoint`);
    if (!action && method === "GET") return sendJson(res, 200, await deps.jobs.get(id));
    if (!action && method === "DELETE") {
      await deps.jobs.delete(id);
      deps.audit.record("dialogue.deleted", "ok", { address, job: id });
      res.writeHead(204).end();
      return;
    }
    if (action === "cancel" && method === "POST") {
      const job = await deps.jobs.cancel(id);
      deps.audit.record("dialogue.cancelled", "ok", { address, job: id });
      return sendJson(res, 200, job);
    }
    if (action === "timings" && method === "GET") return sendJson(res, 200, { lines: await deps.jobs.timings(id) });
    if (action === "audio" && method === "GET") {
      const wav = await deps.jobs.result(id); // throws E_NOT_FOUND before any header goes out
      res.writeHead(200, { "Content-Type": "audio/wav", "Content-Disposition": `attachment; filename="${id}.wav"` }).end(wav);
      return;
    }
    throw new ProtocolError("E_BAD_REQUEST", `${method} /v1/dialogues/${id}/${action ?? ""} is not an endpoint`);
  }

  /** DELETE /v1/data?confirm=everything: every voice profile, dialogue and conversation the pod keeps. */
  async function data(req: IncomingMessage, res: ServerResponse, url: URL, address: string, depth: number): Promise<void> {
    if (req.method !== "DELETE" || depth !== 2)
      throw new ProtocolError("E_BAD_REQUEST", `${req.method} ${url.pathname} is not an endpoint`);
    if (url.searchParams.get("confirm") !== "everything") {
      throw new ProtocolError(
        "E_BAD_REQUEST",
        "add ?confirm=everything: this deletes every voice profile, dialogue and conversation on the pod",
      );
    }
    const voices = (await deps.profiles.list()).map((p) => p.id);
    for (const v of voices) {
      await deps.profiles.delete(v);
      deps.voices.forget(v);
    }
    const jobs = (await deps.jobs.list()).map((j) => j.id);
    for (const j of jobs) await deps.jobs.delete(j);
    const conversations = await deps.conversations.allIds();
    for (const c of conversations) await deps.conversations.delete(c);
    const deleted = { voices: voices.length, dialogues: jobs.length, conversations: conversations.length };
    deps.audit.record("data.deleted", "ok", { address, ...deleted });
    sendJson(res, 200, { deleted });
  }
}
