/** Engines in a child process: forking one with typed-array IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Forks `url` as a child process with structured-clone IPC (typed arrays cross as they are); a
 * TypeScript entry (running under tsx) gets tsx's loader. Unlike a worker thread, a child can be
 * killed in the middle of a native call.
 */
export function forkModule(url: URL, args: string[] = []): ChildProcess {
  const execArgv = url.pathname.endsWith(".ts") ? ["--import", import.meta.resolve("tsx")] : [];
  return fork(fileURLToPath(url), args, { execArgv, serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
}
