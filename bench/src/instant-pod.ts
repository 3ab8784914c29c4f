/** The real pod server (transport, sessions, pacing) on instant test-double engines, for benchmarks. */
import { createLogger, createPodServer, loadConfig } from "@fireside/pod-server";
import { createInstantEngines } from "../../tests/support/instant-engines.js";

const replySeconds = Number(process.env.BENCH_REPLY_SECONDS ?? 2);
// Hundreds of sessions from one address: lift the per-address guards that would stop a stranger.
const config = loadConfig({
  overrides: {
    port: 0,
    maxSessions: 10_000,
    maxPendingPerAddress: 10_000,
    maxPending: 100_000,
    rateConnectPerMin: 1_000_000,
    logLevel: "error",
  },
});
const pod = createPodServer(config, createLogger("error"));
const engines = createInstantEngines({ replySeconds });
pod.setEngines(engines);
const port = await pod.listen();
process.stdout.write(`${JSON.stringify({ event: "ready", port })}\n`);
// Reports engine time on request so the parent can subtract it.
process.stdin.on("data", () => process.stdout.write(`${JSON.stringify({ event: "clock", engineMs: engines.clock.engineMs })}\n`));
process.on("SIGTERM", () => process.exit(0));
