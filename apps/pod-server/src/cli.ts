#!/usr/bin/env -S npx tsx
/**
 * `fireside-pod` / `pnpm start`: validates config, opens the port (health answers at once),
 * fetches and loads models, then marks itself ready. SIGTERM drains, then closes; SIGINT closes at once.
 */
import { ConfigError, helpText, loadConfig } from "./config/config.js";
import { createEngines } from "./engines/create-engines.js";
import { keepComputeThreadsBehindLoop } from "./engines/thread-priority.js";
import { consoleProgress } from "./models/fetch-model.js";
import { createLogger } from "./transport/logger.js";
import { createPodServer } from "./transport/pod-server.js";
import { stopOnSignals } from "./transport/stop-on-signals.js";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(helpText());
  process.exit(0);
}
const fileArg = args.indexOf("--config");
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(fileArg >= 0 ? { file: args[fileArg + 1] } : {});
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`fireside-pod: invalid configuration: ${err.message}\nRun with --help to see every setting.\n`);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.logLevel);
if (!config.token && config.host !== "127.0.0.1" && config.host !== "localhost") {
  log.warn("FIRESIDE_TOKEN is empty and the server listens beyond loopback: anyone who can reach it can use it");
}
const pod = createPodServer(config, log);
const port = await pod.listen();
// Machine-readable line for scripts and tests that start the server on port 0.
process.stdout.write(`${JSON.stringify({ event: "listening", port, host: config.host })}\n`);
log.info("listening", { port, host: config.host });

const printProgress = consoleProgress();
stopOnSignals(pod, config, log);

try {
  const engines = await createEngines(
    config,
    {
      cacheDir: config.modelsDir,
      onProgress: (p) => {
        printProgress(p);
        pod.setLoading(p);
      },
      log: (l) => log.info(l),
    },
    (l) => log.warn(l),
    pod.metrics,
    (stage) => pod.setLoadingStage(stage),
  );
  pod.setEngines(engines);
  if (config.computeNice > 0) keepComputeThreadsBehindLoop(config.computeNice);
  process.stdout.write(`${JSON.stringify({ event: "ready", port })}\n`);
  if (process.stderr.isTTY)
    process.stderr.write(
      `\nFireside is ready: open http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}/ and press "Start talking".\n\n`,
    );
  log.info("ready", { vad: engines.vad.info, asr: engines.asr.info, llm: engines.llm.info, tts: engines.tts.info });
} catch (err) {
  log.error("could not load the engines", { error: (err as Error).message });
  process.exit(1);
}
