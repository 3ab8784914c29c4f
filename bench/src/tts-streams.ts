/**
 * FireRedTTS2 streams per device: the worker's frame engine at batch 1/2/4 next to upstream's own
 * eager loop, on RANDOM-INITIALISED weights of the tiny size, on this machine's CPU (figures marked
 * CPU; the GPU figures come from tools/gpu_run.sh, see docs/performance.md). Runs
 * workers/fireredtts2/tools/bench_streams.py in the engine's Python (tools/engine_env.sh); needs
 * upstream's source, named by FIRESIDE_FIREREDTTS2_SRC (it is not on PyPI).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("../../apps/pod-server/workers/fireredtts2/", import.meta.url));

export async function benchTtsStreams() {
  const src = process.env.FIRESIDE_FIREREDTTS2_SRC;
  if (!src || !existsSync(`${src}/fireredtts2/llm/llm.py`)) {
    return { skipped: "set FIRESIDE_FIREREDTTS2_SRC to a checkout of upstream FireRedTTS2 (GitHub only, not on PyPI)" };
  }
  const python = execFileSync("bash", [`${WORKER}tools/engine_env.sh`], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  const out = `${WORKER}.bench-tts-streams.json`;
  const args = ["tools/bench_streams.py", "--size", "tiny", "--device", "cpu", "--batches", "1,2,4", "--frames", "6", "--out", out];
  const r = spawnSync(python, args, { cwd: WORKER, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env } });
  if (r.status !== 0) throw new Error(`bench_streams.py exited ${r.status}`);
  return { cpu: cpus()[0]?.model, note: "CPU, tiny size, random weights", ...JSON.parse(readFileSync(out, "utf8")) };
}
