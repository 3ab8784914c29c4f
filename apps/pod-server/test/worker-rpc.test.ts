/**
 * An engine's worker thread: answers in order, reports a failed request as a typed error, and
 * when it dies fails what was in flight and comes back for the next request.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EngineError } from "../src/engines/types.js";
import { startWorkerRpc, type WorkerRpc } from "../src/engines/worker-rpc.js";

const url = new URL("./fixtures/echo-worker.ts", import.meta.url);
type Rpc = WorkerRpc<number | "exit" | "throw", number, { factor: number }>;
const start = (workerData: object = {}): Promise<Rpc> =>
  startWorkerRpc({ url, workerData, stage: "tts", what: "test worker", loads: "weights.bin" });

describe("worker RPC", { timeout: 30_000 }, () => {
  let rpc: Rpc | undefined;
  afterEach(() => rpc?.close());

  it("answers each request and reports what the worker said when ready", async () => {
    rpc = await start();
    expect(rpc.info).toEqual({ factor: 2 });
    expect(await Promise.all([rpc.call(1), rpc.call(2), rpc.call(21)])).toEqual([2, 4, 42]);
  });

  it("a request the worker cannot answer fails alone, as a typed error", async () => {
    rpc = await start();
    const err = await rpc.call("throw").catch((e: Error) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe("tts: cannot double that");
    expect(await rpc.call(5)).toBe(10);
  });

  it("a worker that dies fails the requests in flight, then is started again", async () => {
    rpc = await start();
    const inFlight = rpc.call("exit");
    await expect(inFlight).rejects.toThrow(/test worker stopped \(exit code 3\)/);
    await expect(inFlight).rejects.toBeInstanceOf(EngineError);
    // The replacement loads in the background; a request made meanwhile waits for it.
    expect(await rpc.call(4)).toBe(8);
  });

  it("a worker that cannot load fails to start with a typed error naming what it loads", async () => {
    const err = await start({ refuse: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toBe("tts: test worker failed to load weights.bin: no such weights");
  });
});
