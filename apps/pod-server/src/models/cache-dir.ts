/** Where the models are kept on disk. */
import { homedir } from "node:os";
import { join } from "node:path";

/** Where models live unless FIRESIDE_MODELS_DIR says otherwise (on a pod: the persistent volume). */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIRESIDE_MODELS_DIR) return env.FIRESIDE_MODELS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "fireside", "models");
}
