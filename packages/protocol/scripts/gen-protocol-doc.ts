/** Writes docs/protocol.md from the protocol's own schemas and examples. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderProtocolDoc } from "../src/protocol-doc.js";

const target = fileURLToPath(new URL("../../../docs/protocol.md", import.meta.url));
writeFileSync(target, renderProtocolDoc());
console.log(`wrote ${target}`);
