/**
 * `pnpm models [ids…]`: fetches models into the cache (default: every registry model, which is
 * what tests and the offline CPU mode use). `--list` prints the manifest.
 */
import { defaultModelsDir } from "./cache-dir.js";
import { consoleProgress, ensureModel } from "./fetch-model.js";
import { findModel, MODELS } from "./manifest.js";

const args = process.argv.slice(2);
if (args.includes("--list")) {
  for (const m of MODELS) {
    const mb = m.files.reduce((n, f) => n + f.bytes, 0) / 1e6;
    console.log(
      `${m.id.padEnd(26)} ${m.stage.padEnd(4)} ${m.origin.padEnd(9)} ${mb.toFixed(0).padStart(6)} MB  ${m.licence.padEnd(24)} ${m.description}`,
    );
  }
  process.exit(0);
}
const ids = args.filter((a) => !a.startsWith("--"));
const entries = ids.length ? ids.map(findModel) : MODELS.filter((m) => m.origin === "registry");
const cacheDir = defaultModelsDir();
for (const entry of entries) {
  const dir = await ensureModel(entry, { cacheDir, onProgress: consoleProgress(), log: (l) => console.error(l) });
  console.log(`${entry.id}: ${dir}`);
}
