/** `pnpm bench [codec|engines|overhead|concurrency|desktop|responsiveness|spoken-turns|conversations|tts-streams|failover|capacity|fleet-capacity|interruptions]`: runs benchmarks, writes bench/results/<name>.json. */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchCapacity } from "./capacity.js";
import { benchCodec } from "./codec.js";
import { benchConversations } from "./conversations.js";
import { benchDesktop } from "./desktop.js";
import { benchEngines } from "./engines.js";
import { benchFailover } from "./failover.js";
import { benchFleetCapacity } from "./fleet-capacity.js";
import { benchInterruptions } from "./interruptions.js";
import { benchConcurrency, benchOverhead } from "./pipeline.js";
import { benchResponsiveness } from "./responsiveness.js";
import { benchSpokenTurns } from "./spoken-turns.js";
import { benchTtsStreams } from "./tts-streams.js";

const all = {
  codec: benchCodec,
  engines: benchEngines,
  overhead: benchOverhead,
  concurrency: benchConcurrency,
  desktop: benchDesktop,
  responsiveness: benchResponsiveness,
  "spoken-turns": benchSpokenTurns,
  conversations: benchConversations,
  "tts-streams": benchTtsStreams,
  failover: benchFailover,
  capacity: benchCapacity,
  "fleet-capacity": benchFleetCapacity,
  interruptions: benchInterruptions,
} as Record<string, () => unknown>;
const chosen = process.argv.slice(2).filter((a) => a in all);
const dir = fileURLToPath(new URL("../results/", import.meta.url));
mkdirSync(dir, { recursive: true });
for (const name of chosen.length ? chosen : Object.keys(all)) {
  process.stderr.write(`bench ${name}…\n`);
  const result = { bench: name, at: new Date().toISOString(), node: process.version, result: await all[name]!() };
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}
process.exit(0);
