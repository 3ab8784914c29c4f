/**
 * Request/reply with an engine's worker thread, so that its arithmetic never runs on the event
 * loop. The worker loads its model, says ready (or why it could not), then answers each request
 * in order. A worker that dies fails the requests in flight with an `EngineError` and is started
 * again (requests made meanwhile wait for it); if the restart fails, later calls fail at once.
 */
import { parentPort, type Transferable, type Worker } from "node:worker_threads";
import { EngineError } from "./types.js";
import { startWorker } from "./worker-thread.js";

type Stage = EngineError["stage"];

/** What a worker posts: ready once loaded (with what it wants its owner to know), then replies. */
type FromWorker<Info, Res> = { ready: Info } | { loadFailed: string } | { id: number; result: Res } | { id: number; error: string };

export interface WorkerRpc<Req, Res, Info> {
  /** What the worker reported when it was ready (e.g. a model's input names). */
  readonly info: Info;
  /** Sends `req` (copied) and resolves with the worker's answer. */
  call(req: Req): Promise<Res>;
  close(): Promise<void>;
}

export interface WorkerRpcOptions {
  /** The worker's module (see `siblingModule`). */
  url: URL;
  workerData: unknown;
  stage: Stage;
  /** What the worker does, for errors: "speaker encoder", "Piper". */
  what: string;
  /** The file(s) it loads, for the error when it cannot. */
  loads: string;
}

export async function startWorkerRpc<Req, Res, Info = undefined>(opts: WorkerRpcOptions): Promise<WorkerRpc<Req, Res, Info>> {
  const pending = new Map<number, { resolve: (r: Res) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let closing = false;
  let worker: Worker | null = null;
  let restarting: Promise<void> | null = null;
  let info!: Info;

  const spawn = () =>
    new Promise<void>((ready, failed) => {
      const w = startWorker(opts.url, opts.workerData);
      worker = w;
      let started = false;
      w.on("message", (msg: FromWorker<Info, Res>) => {
        if ("ready" in msg) {
          started = true;
          info = msg.ready;
          ready();
          return;
        }
        if ("loadFailed" in msg) return died(msg.loadFailed);
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if ("error" in msg) p.reject(new EngineError(opts.stage, msg.error));
        else p.resolve(msg.result);
      });
      const died = (why: string) => {
        if (w !== worker) return; // "error" and "exit" both report one death
        worker = null;
        void w.terminate();
        for (const p of pending.values()) p.reject(new EngineError(opts.stage, `${opts.what} stopped (${why})`));
        pending.clear();
        if (!started) failed(new EngineError(opts.stage, `${opts.what} failed to load ${opts.loads}: ${why}`));
        else if (!closing) {
          // A failed restart leaves worker null: later calls fail at once.
          restarting = spawn()
            .catch(() => {})
            .finally(() => {
              restarting = null;
            });
        }
      };
      w.on("error", (err) => died(err.message));
      w.on("exit", (code) => died(`exit code ${code}`));
    });
  await spawn();

  return {
    get info() {
      return info;
    },
    async call(req) {
      if (restarting) await restarting;
      return new Promise((resolve, reject) => {
        if (!worker) return reject(new EngineError(opts.stage, `${opts.what} is not running (it could not be restarted)`));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, req });
      });
    },
    async close() {
      closing = true;
      await worker?.terminate();
    },
  };
}

/**
 * The worker's side: loads with `load`, then answers every request with `handle`. `transferOf`
 * names the buffers of a reply that may move to the owner instead of being copied.
 */
export async function serveWorkerRpc<Req, Res, State, Info>(
  load: () => Promise<{ state: State; info: Info }> | { state: State; info: Info },
  handle: (state: State, req: Req) => Promise<Res> | Res,
  transferOf: (res: Res) => Transferable[] = () => [],
): Promise<void> {
  const port = parentPort!;
  let loaded: { state: State; info: Info };
  try {
    loaded = await load();
  } catch (err) {
    port.postMessage({ loadFailed: (err as Error).message });
    return;
  }
  port.on("message", async ({ id, req }: { id: number; req: Req }) => {
    try {
      const result = await handle(loaded.state, req);
      port.postMessage({ id, result }, transferOf(result));
    } catch (err) {
      port.postMessage({ id, error: (err as Error).message });
    }
  });
  port.postMessage({ ready: loaded.info });
}
