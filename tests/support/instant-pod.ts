/**
 * TEST DOUBLE — a pod process on instant engines (tests/support/instant-engines.ts), for tests
 * of what is around the engines: fleets, drains, failover. The real server (createPodServer),
 * configured from the environment like `pnpm start`, with the CLI's signal handling; only the
 * engines are doubles. Prints the same `listening`/`ready` lines as the CLI.
 */
import { createLogger, createPodServer, loadConfig, stopOnSignals } from "@fireside/pod-server";
import { createInstantEngines } from "./instant-engines.js";

const config = loadConfig({});
const log = createLogger(config.logLevel);
const pod = createPodServer(config, log);
const port = await pod.listen();
process.stdout.write(`${JSON.stringify({ event: "listening", port, host: config.host })}\n`);
stopOnSignals(pod, config, log);
pod.setEngines(
  createInstantEngines({
    replySeconds: Number(process.env.INSTANT_REPLY_SECONDS ?? 2),
    cloning: process.env.INSTANT_CLONING === "1",
    synthesisMs: Number(process.env.INSTANT_SYNTHESIS_MS ?? 0),
  }),
);
process.stdout.write(`${JSON.stringify({ event: "ready", port })}\n`);
