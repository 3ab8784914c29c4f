/**
 * What `pnpm doctor` checks, each a finding with a plain fix: the GPU, driver and CUDA; the models
 * this config needs, present and matching their checksums; the port; the data directory and its
 * disk; the database; and (when the models are there) each engine loading and running once.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import type { Config } from "../config/config.js";
import { isVerified } from "../models/fetch-model.js";
import { findModel, type ModelEntry } from "../models/manifest.js";
import { SQLITE_MIGRATIONS } from "../store/migrations.js";

export interface Finding {
  check: string;
  status: "ok" | "info" | "warn" | "fail";
  detail: string;
  /** What to do about it, in plain words (warn and fail). */
  fix?: string;
}

const run = promisify(execFile);
const DEFAULT_LLM = "qwen2.5-1.5b-instruct";
const GiB = 1024 ** 3;

/** The GPU as nvidia-smi sees it; a config that asks for CUDA without one is a failure. */
export async function checkGpu(config: Config): Promise<Finding> {
  const wantsGpu = config.asrDevice === "cuda" || (config.ttsEngine === "fireredtts2" && config.fireredDevice === "cuda");
  try {
    const { stdout } = await run(config.nvidiaSmi, ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], {
      timeout: 10_000,
    });
    const { stdout: banner } = await run(config.nvidiaSmi, [], { timeout: 10_000 }).catch(() => ({ stdout: "" }));
    const cuda = /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1];
    const gpus = stdout.trim().split("\n").filter(Boolean);
    if (!gpus.length) throw new Error("nvidia-smi lists no GPU");
    return { check: "gpu", status: "ok", detail: `${gpus.join("; ")}${cuda ? `; CUDA ${cuda}` : ""}` };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "nvidia-smi is not installed" : (err as Error).message.split("\n")[0];
    return wantsGpu
      ? {
          check: "gpu",
          status: "fail",
          detail: `this config runs engines on CUDA, but there is no usable GPU (${why})`,
          fix: "run on a GPU pod with the NVIDIA driver (RunPod: a CUDA template), or set FIRESIDE_ASR_DEVICE=cpu and FIRESIDE_TTS_ENGINE=piper",
        }
      : { check: "gpu", status: "info", detail: `no GPU (${why}): the CPU engines serve` };
  }
}

/** The model ids (or paths) this config loads. */
export function modelsNeeded(config: Config): string[] {
  const ids = [config.vadModel, config.asrModel, config.speakerModel];
  if (config.ttsEngine !== "fireredtts2") ids.push(config.ttsVoice);
  if (config.llmEngine === "llama-cpp") ids.push(config.llmModel);
  if (config.asrFirstPass !== "off") ids.push(config.asrFirstPass);
  return ids;
}

export async function checkModels(config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const id of modelsNeeded(config)) {
    if (id.includes("/")) {
      findings.push(
        existsSync(id)
          ? { check: `model ${id}`, status: "ok", detail: "the file is there (a path: no checksum to compare)" }
          : {
              check: `model ${id}`,
              status: "fail",
              detail: "the file does not exist",
              fix: "correct the setting that names it, or copy the file there",
            },
      );
      continue;
    }
    let entry: ModelEntry;
    try {
      entry = findModel(id);
    } catch {
      findings.push({ check: `model ${id}`, status: "fail", detail: "no model has this id", fix: "see pnpm models --list for the ids" });
      continue;
    }
    const found = await checkModel(entry, config.modelsDir);
    // The default LLM is a 1 GB download with a documented offline fallback (SmolLM2): not a failure.
    if (found.status === "fail" && id === config.llmModel && id === DEFAULT_LLM && !process.env.FIRESIDE_LLM_MODEL) {
      found.status = "warn";
      found.fix = `${found.fix}; offline, the pod starts on smollm2-135m, small and weak`;
    }
    findings.push(found);
  }
  return findings;
}

async function checkModel(entry: ModelEntry, cacheDir: string): Promise<Finding> {
  const dir = join(cacheDir, entry.id);
  const mb = (entry.files.reduce((n, f) => n + f.bytes, 0) / 1e6).toFixed(0);
  for (const file of entry.files) {
    const path = join(dir, file.name);
    if (!existsSync(path)) {
      return {
        check: `model ${entry.id}`,
        status: "fail",
        detail: `not downloaded (${mb} MB; ${path} is missing)`,
        fix: `run pnpm models ${entry.id} (or start the pod, which fetches it)`,
      };
    }
    if (!(await isVerified(path, file))) {
      return {
        check: `model ${entry.id}`,
        status: "fail",
        detail: `${file.name} does not match its checksum (a broken or partial download)`,
        fix: `delete ${dir} and run pnpm models ${entry.id}`,
      };
    }
  }
  return { check: `model ${entry.id}`, status: "ok", detail: `present, checksums match (${dir})` };
}

/** Whether the pod could listen where it is told to. */
export function checkPort(config: Config): Promise<Finding> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      resolve(
        err.code === "EADDRINUSE"
          ? {
              check: "port",
              status: "fail",
              detail: `${where} is taken by another process (a pod already running?)`,
              fix: `stop it (ss -ltnp 'sport = :${config.port}' shows which) or set FIRESIDE_PORT`,
            }
          : {
              check: "port",
              status: "fail",
              detail: `cannot listen on ${where}: ${err.code ?? err.message}`,
              fix: "check FIRESIDE_HOST and FIRESIDE_PORT",
            },
      );
    });
    server.listen(config.port, config.host, () => {
      server.close(() => resolve({ check: "port", status: "ok", detail: `${config.host}:${config.port} is free` }));
    });
  });
}

/** The data directory can be written, and its disk and the model cache's have room. */
export function checkDataDir(config: Config): Finding[] {
  const findings: Finding[] = [];
  const probe = join(config.dataDir, `.doctor-${process.pid}`);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(probe, "ok");
    rmSync(probe);
    findings.push({ check: "data directory", status: "ok", detail: `${config.dataDir} is writable` });
  } catch (err) {
    findings.push({
      check: "data directory",
      status: "fail",
      detail: `cannot write in ${config.dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      fix: "make FIRESIDE_DATA_DIR a directory this user can write (on a pod: on the volume), or point it elsewhere",
    });
  }
  for (const [what, dir] of [
    ["data disk", config.dataDir],
    ["model disk", config.modelsDir],
  ] as const) {
    const at = nearestExisting(dir);
    if (!at) continue;
    const s = statfsSync(at);
    const free = s.bavail * s.bsize;
    const text = `${(free / GiB).toFixed(1)} GiB free of ${((s.blocks * s.bsize) / GiB).toFixed(1)} GiB (${at})`;
    if (free < 100 * 1024 ** 2)
      findings.push({ check: what, status: "fail", detail: text, fix: "free space: turns and voices are not stored on a full disk" });
    else if (free < GiB) findings.push({ check: what, status: "warn", detail: text, fix: "free some space before it fills" });
    else findings.push({ check: what, status: "ok", detail: text });
  }
  return findings;
}

function nearestExisting(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) return d;
    if (dirname(d) === d) return null;
  }
}

/** The database opens, passes SQLite's quick check, and is no newer than this server. */
export function checkDatabase(config: Config): Finding {
  const file = join(config.dataDir, "fireside.db");
  if (!existsSync(file)) return { check: "database", status: "info", detail: `${file} does not exist yet (made at the first start)` };
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const check = db.pragma("quick_check", { simple: true });
      const version = (db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0;
      const newest = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
      if (check !== "ok")
        return {
          check: "database",
          status: "fail",
          detail: `SQLite's check: ${String(check)}`,
          fix: "restore fireside.db from a backup of the volume",
        };
      if (version > newest)
        return {
          check: "database",
          status: "fail",
          detail: `written by a newer server (schema ${version}, this one knows ${newest})`,
          fix: "run the newer server",
        };
      return { check: "database", status: "ok", detail: `${file}: intact, schema ${version}` };
    } finally {
      db.close();
    }
  } catch (err) {
    return {
      check: "database",
      status: "fail",
      detail: `cannot open ${file}: ${(err as Error).message}`,
      fix: "check its owner and permissions, or restore it",
    };
  }
}
