/**
 * How the pod process stops. SIGTERM (a deploy, `docker stop`, a scale-down) drains first: live
 * sessions finish their reply and move to another pod (FIRESIDE_DRAIN_TIMEOUT_MS at most). SIGINT
 * (Ctrl-C at a terminal) stops at once; a second signal of either kind during a drain too.
 */
import type { Config } from "../config/config.js";
import type { Logger } from "./logger.js";
import type { PodServer } from "./pod-server.js";

export function stopOnSignals(pod: PodServer, config: Config, log: Logger): void {
  let stopping: "draining" | "closing" | null = null;
  const close = async () => {
    stopping = "closing";
    await pod.close();
    process.exit(0);
  };
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping === "closing") return;
    if (stopping === "draining" || signal === "SIGINT") {
      log.info("shutting down", { signal });
      return close();
    }
    stopping = "draining";
    log.info("shutting down after a drain", { signal, boundMs: config.drainTimeoutMs });
    await pod.drain(config.drainTimeoutMs);
    if (stopping === "draining") await close();
  };
  process.on("SIGINT", (s) => void onSignal(s));
  process.on("SIGTERM", (s) => void onSignal(s));
}
