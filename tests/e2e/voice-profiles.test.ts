/**
 * Voice profiles against the real server and its SQLite file: create from real speech, list,
 * rename, fetch, delete, persist across a restart — and every bad upload refused clearly with
 * nothing half-written. The same against a fleet (three pods behind HAProxy, PostgreSQL, Redis),
 * where the clips are rows of the shared database and a restart is a rolling one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "@fireside/audio";
import { DIALOGUE_EVENTS_PATH } from "@fireside/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SHARED_AUDIO, skipWithoutSharedAudio } from "../support/speech.js";
import { startTarget, TARGETS, type Target } from "../support/target.js";

const TOKEN = "studio-token";
const work = mkdtempSync(join(tmpdir(), "fireside-clips-"));
let pod: Target;

const TRANSCRIPT = "The quick brown fox jumps over the lazy dog near the quiet river bank.";

function clip(name: string, make: (out: string) => void): Buffer {
  const out = join(work, name);
  make(out);
  return readFileSync(out);
}
const speechFlac = () =>
  clip("speech.flac", (out) => {
    execFileSync("espeak-ng", ["-v", "en-us", "-w", join(work, "speech.wav"), TRANSCRIPT]);
    execFileSync("sox", [join(work, "speech.wav"), out]);
  });

async function upload(body: Uint8Array | string, q: Record<string, string>, token = TOKEN) {
  const res = await fetch(`${pod.url}/v1/voices?${new URLSearchParams(q)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "audio/wav" },
    body: new Blob([body as BlobPart]),
  });
  return { status: res.status, body: await res.json() };
}
const api = (path: string, init: Omit<RequestInit, "body"> & { body?: string | Uint8Array } = {}) =>
  fetch(`${pod.url}${path}`, {
    ...init,
    body: init.body === undefined ? undefined : new Blob([init.body as BlobPart]),
    headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers },
  });

describe.each(TARGETS)("voice profiles, %s", (kind) => {
  beforeAll(async () => {
    pod = await startTarget(kind, { FIRESIDE_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await pod?.stop();
  });
  let id = "";

  it("creates a profile from a FLAC clip (sniffed from bytes), stored as 16 kHz mono WAV", async () => {
    const { status, body } = await upload(speechFlac(), { name: "Espeak Eve", language: "en", transcript: TRANSCRIPT });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: "Espeak Eve", sourceFormat: "flac", sourceSampleRate: 22050, preset: false });
    expect(body.durationMs).toBeGreaterThan(3000);
    id = body.id;
    const wav = readWav(new Uint8Array(await (await api(`/v1/voices/${id}/audio`)).arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(Math.abs(wav.frames / 16 - body.durationMs)).toBeLessThan(5);
  });

  it("lists presets from the TTS engine beside the profiles, and the default voice; renames; refuses without the token", async () => {
    const list = await (await api("/v1/voices")).json();
    expect(list.voices.find((v: { preset: boolean }) => v.preset)).toMatchObject({ id: "en_US-joe-medium" });
    expect(list).toMatchObject({ defaultVoice: "en_US-joe-medium", cloning: { available: false, engine: "piper" } });
    expect(list.voices.find((v: { id: string }) => v.id === id)).toMatchObject({ transcript: TRANSCRIPT });
    const renamed = await (await api(`/v1/voices/${id}`, { method: "PATCH", body: JSON.stringify({ name: "Eve" }) })).json();
    expect(renamed.name).toBe("Eve");
    const denied = await fetch(`${pod.url}/v1/voices`);
    expect(denied.status).toBe(401);
    expect((await denied.json()).error.code).toBe("E_AUTH");
  });

  it("opens the dialogue events socket only with the token", async () => {
    const open = (query: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${pod.url.replace(/^http/, "ws")}${DIALOGUE_EVENTS_PATH}${query}`);
        ws.on("message", (d) => {
          resolve(JSON.parse(String(d)).type);
          ws.close();
        });
        ws.on("error", (e) => resolve(e.message));
      });
    expect(await open("")).toMatch(/401/);
    expect(await open("?token=wrong")).toMatch(/401/);
    expect(await open(`?token=${TOKEN}`)).toBe("dialogue.jobs");
  });

  it("explains that quality assessment needs a cloning engine on a preset-only pod", async () => {
    const res = await api(`/v1/voices/${id}/quality`, { method: "POST" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/needs a cloning TTS engine \(FireRedTTS2\); this pod runs piper/);
  });

  it("previews a preset as a synthesised WAV (the same bytes a second time), refuses a profile on a preset-only pod, 404s an unknown voice", async () => {
    const presets = ((await (await api("/v1/voices")).json()) as { voices: { id: string; preset?: boolean }[] }).voices.filter(
      (v) => v.preset,
    );
    const first = await api(`/v1/voices/${presets[0]!.id}/preview`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("audio/wav");
    const bytes = new Uint8Array(await first.arrayBuffer());
    const wav = readWav(bytes);
    expect(wav.frames / wav.sampleRate).toBeGreaterThan(1);
    // Kept in memory: the second answer is the first sample again, not a new synthesis. Each pod keeps
    // its own: a fleet's next answer may come from another pod's synthesis.
    const again = new Uint8Array(await (await api(`/v1/voices/${presets[0]!.id}/preview`)).arrayBuffer());
    if (kind === "one pod") expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    else expect(readWav(again).sampleRate).toBe(wav.sampleRate);
    const profile = await api(`/v1/voices/${id}/preview`);
    expect(profile.status).toBe(400);
    expect((await profile.json()).error.message).toMatch(/reference clip is at \/v1\/voices\/.+\/audio/);
    expect((await api("/v1/voices/nobody/preview")).status).toBe(404);
  });

  it("suggests a transcript from the pod's ASR", async () => {
    const res = await api("/v1/voices/transcribe?language=en", { method: "POST", body: speechFlac() });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.text.toLowerCase()).toMatch(/quick|brown|fox|lazy|dog/);
  });

  it("refuses bad uploads clearly and writes nothing", async () => {
    const short = clip("short.wav", (out) => execFileSync("espeak-ng", ["-v", "en-us", "-w", out, "Hi."]));
    let r = await upload(short, { name: "Short", transcript: "Hi." });
    expect([r.status, r.body.error.code]).toEqual([422, "E_AUDIO_QUALITY"]);
    expect(r.body.error.message).toMatch(/too short/);

    // A text file named like a WAV: the bytes decide.
    r = await upload("this is not audio, whatever the name says", { name: "Fake", transcript: "x" });
    expect([r.status, r.body.error.code]).toEqual([415, "E_AUDIO_FORMAT"]);

    const silence = clip("silence.wav", (out) => execFileSync("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", out, "trim", "0", "5"]));
    r = await upload(silence, { name: "Silence", transcript: "nothing" });
    expect([r.status, r.body.error.code]).toEqual([422, "E_AUDIO_QUALITY"]);
    expect(r.body.error.message).toMatch(/silent/);

    r = await upload(speechFlac(), { name: "No words" });
    expect([r.status, r.body.error.code]).toEqual([400, "E_BAD_REQUEST"]);
    expect(r.body.error.message).toMatch(/transcript/);

    // 500 MB: refused from its declared length, without the server reading it.
    const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${pod.url}/v1/voices?name=Big&transcript=x`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Length": String(500 * 1024 * 1024) },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy(); // stop sending the remaining ~499 MB
        });
      });
      req.on("error", (e) => (e.message.includes("socket hang up") ? undefined : reject(e)));
      req.write(Buffer.alloc(1024 * 1024));
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error.code).toBe("E_PAYLOAD_TOO_LARGE");

    const list = await (await api("/v1/voices")).json();
    expect(list.voices.filter((v: { preset: boolean }) => !v.preset).map((v: { id: string }) => v.id)).toEqual([id]);
    expect(await pod.storedAudio("voices")).toEqual([`${id}.wav`]);
  });

  it.skipIf(skipWithoutSharedAudio)("refuses a clip of two people (real recordings) and writes nothing", async () => {
    // Two people (real recordings, 5 s each) in one clip: the speaker encoder hears both.
    const twoPeople = clip("two-people.wav", (out) => {
      for (const p of ["en_S1", "en_S2"])
        execFileSync("sox", [join(SHARED_AUDIO, `${p}.flac`), join(work, `${p}-5s.wav`), "trim", "0", "5"]);
      execFileSync("sox", [join(work, "en_S1-5s.wav"), join(work, "en_S2-5s.wav"), out]);
    });
    const r = await upload(twoPeople, { name: "Two people", transcript: "two people talking" });
    expect([r.status, r.body.error.code]).toEqual([422, "E_AUDIO_QUALITY"]);
    expect(r.body.error.message).toMatch(/more than one voice/);
    expect(await pod.storedAudio("voices")).toEqual([`${id}.wav`]);
  });

  it("persists in the database across a restart, then deletes", async () => {
    await pod.restart();
    expect((await (await api(`/v1/voices/${id}`)).json()).name).toBe("Eve");
    expect((await api(`/v1/voices/${id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await api(`/v1/voices/${id}`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe("E_NOT_FOUND");
    expect(await pod.storedAudio("voices")).toEqual([]);
  });

  it("deletes everything the pod keeps on request, and the audit log records who did what without the words", async () => {
    const created = await upload(speechFlac(), { name: "Grandma", transcript: TRANSCRIPT });
    expect(created.status).toBe(201);
    const job = await api("/v1/dialogues", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ script: "[S1] One line to render.", voices: { S1: "en_US-joe-medium" } }),
    });
    expect(job.status).toBe(201);
    const unconfirmed = await api("/v1/data", { method: "DELETE" });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).error.message).toMatch(/confirm=everything/);
    const res = await api("/v1/data?confirm=everything", { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: { voices: 1, dialogues: 1, conversations: 0 } });
    const voices = (await (await api("/v1/voices")).json()).voices as { preset: boolean }[];
    expect(voices.filter((v) => !v.preset)).toEqual([]);
    expect((await (await api("/v1/dialogues")).json()).jobs).toEqual([]);
    expect(await pod.storedAudio("voices")).toEqual([]);
    expect(await pod.storedAudio("dialogues")).toEqual([]);
    // Deleted means gone: the clip's transcript is in no file under the data folders (fireside.db-wal
    // included), nor in any row of a fleet's database.
    expect(await pod.holding("quick brown fox")).toEqual([]);

    // Each pod's own audit log (a fleet's requests were spread over its pods).
    const audit = pod.dataDirs
      .flatMap((dir) => readFileSync(join(dir, "audit.jsonl"), "utf8").trim().split("\n"))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; outcome: string; voice?: string });
    const events = audit.map((e) => e.event);
    for (const e of ["voice.created", "voice.updated", "voice.deleted", "voice.upload_refused", "dialogue.created", "data.deleted"])
      expect(events, e).toContain(e);
    expect(audit.find((e) => e.event === "data.deleted")).toMatchObject({
      outcome: "ok",
      voices: 1,
      dialogues: 1,
      conversations: 0,
      address: "127.0.0.1",
    });
    // Names and transcripts stay out of it (FIRESIDE_AUDIT_CONTENT is off).
    expect(JSON.stringify(audit)).not.toMatch(/Grandma|quick brown fox/);
  });
});
