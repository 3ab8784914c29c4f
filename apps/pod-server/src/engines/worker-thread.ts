/** Engines in a worker thread: starting one under tsx or built. */
import { Worker } from "node:worker_threads";

/** Starts a worker thread; a TypeScript entry (running under tsx) first registers tsx's loader in the worker. */
export function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData });
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** The sibling module `name` of `base`, as .ts under tsx and .js once built. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}.${base.endsWith(".ts") ? "ts" : "js"}`, base);
}
