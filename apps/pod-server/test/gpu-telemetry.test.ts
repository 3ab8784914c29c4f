/** GPU telemetry from nvidia-smi. */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { GpuTelemetry, parseNvidiaSmi } from "../src/metrics/gpu-telemetry.js";

const SAMPLE = "0, NVIDIA H100 80GB HBM3, 37, 21480, 81559, 44\n1, NVIDIA H100 80GB HBM3, 0, 3, 81559, 30\n";

describe("GPU telemetry", () => {
  it("parses nvidia-smi's CSV", () => {
    expect(parseNvidiaSmi(SAMPLE)).toEqual([
      { index: 0, name: "NVIDIA H100 80GB HBM3", utilisation: 37, memoryMiB: 21480, memoryTotalMiB: 81559, temperatureC: 44 },
      { index: 1, name: "NVIDIA H100 80GB HBM3", utilisation: 0, memoryMiB: 3, memoryTotalMiB: 81559, temperatureC: 30 },
    ]);
    expect(parseNvidiaSmi("No devices were found\n")).toEqual([]);
  });

  it("exports gauges from the command's output, and nothing where there is no nvidia-smi", async () => {
    // A stand-in for nvidia-smi (a test double printing recorded output).
    const dir = mkdtempSync(join(tmpdir(), "smi-"));
    const fake = join(dir, "nvidia-smi");
    writeFileSync(fake, `#!/bin/sh\nprintf '${SAMPLE.replace(/\n/g, "\\n")}'\n`);
    chmodSync(fake, 0o755);
    const registry = new Registry();
    const t = new GpuTelemetry(registry, fake);
    await t.start(60_000);
    t.stop();
    expect(t.latest[0]?.utilisation).toBe(37);
    const text = await registry.metrics();
    expect(text).toMatch(/fireside_gpu_utilisation_percent\{gpu="0",name="NVIDIA H100 80GB HBM3"\} 37/);
    expect(text).toMatch(/fireside_gpu_memory_used_bytes\{gpu="1",[^}]*\} 3145728/);
    const none = new GpuTelemetry(new Registry(), join(dir, "absent"));
    await none.start(60_000);
    expect(none.latest).toEqual([]);
  });
});
