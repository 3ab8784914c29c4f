/**
 * Three pods behind the balancer against one: the capacity bench's load (bench/src/capacity.ts)
 * offered through HAProxy to a fleet (PostgreSQL, Redis, pods on instant test-double engines, as
 * tests/support/fleet.ts starts it) of 1 pod, then of 3. Each pod admits by its own measured lag
 * (FIRESIDE_ADMIT_MAX_LAG_MS at its default) and its agent tells HAProxy what it has room for. On a
 * machine with fewer cores than pods plus clients, the cores, not the pods, set the total.
 */
import { cpus } from "node:os";
import { SETTINGS } from "@fireside/pod-server";
import { startFleet } from "../../tests/support/fleet.js";
import { capacityStep } from "./capacity.js";

const OFFERED = Number(process.env.BENCH_FLEET_OFFERED ?? 1200);

export async function benchFleetCapacity() {
  const results = [];
  for (const pods of [1, 3]) {
    const fleet = await startFleet({
      pods,
      instant: true,
      lbMaxconn: 4000,
      env: {
        INSTANT_REPLY_SECONDS: "3",
        FIRESIDE_LOG_LEVEL: "error",
        // The tests' pods turn admission by lag off; here it is what is measured, at its default.
        FIRESIDE_ADMIT_MAX_LAG_MS: process.env.FIRESIDE_ADMIT_MAX_LAG_MS ?? String(SETTINGS.admitMaxLagMs.default),
        // One address (the bench) opens every conversation: lift the per-address guards.
        FIRESIDE_MAX_SESSIONS: "10000",
        FIRESIDE_MAX_PENDING_PER_ADDRESS: "10000",
        FIRESIDE_MAX_PENDING: "100000",
        FIRESIDE_RATE_CONNECT_PER_MIN: "1000000",
      },
    });
    try {
      const level = await capacityStep({ wsUrl: fleet.wsUrl, podPorts: fleet.pods.map((p) => p.port) }, OFFERED);
      results.push({ pods, ...level });
      process.stderr.write(`  ${JSON.stringify(results.at(-1))}\n`);
    } finally {
      await fleet.stop();
    }
  }
  const [one, three] = results;
  return {
    engines: "instant test doubles; PostgreSQL, Redis, HAProxy and the clients on the same machine",
    cores: cpus().length,
    offered: OFFERED,
    fleets: results,
    threePodsOverOne: one && three ? Math.round((three.admitted / Math.max(1, one.admitted)) * 100) / 100 : null,
  };
}
