/**
 * GPU utilisation, memory and temperature from nvidia-smi, polled every few seconds, for
 * /metrics, /health and session.ready. Machines without nvidia-smi report nothing.
 */
import { execFile } from "node:child_process";
import { Gauge, type Registry } from "prom-client";

export interface GpuSample {
  index: number;
  name: string;
  utilisation: number;
  memoryMiB: number;
  memoryTotalMiB: number;
  temperatureC: number;
}

export const NVIDIA_SMI_QUERY = [
  "--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu",
  "--format=csv,noheader,nounits",
];

export function parseNvidiaSmi(csv: string): GpuSample[] {
  return csv
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [index, name, util, used, total, temp] = line.split(",").map((x) => x.trim());
      return {
        index: Number(index),
        name: name ?? "",
        utilisation: Number(util),
        memoryMiB: Number(used),
        memoryTotalMiB: Number(total),
        temperatureC: Number(temp),
      };
    })
    .filter((g) => Number.isFinite(g.index) && Number.isFinite(g.utilisation));
}

export class GpuTelemetry {
  latest: GpuSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly util: Gauge;
  private readonly mem: Gauge;
  private readonly memTotal: Gauge;
  private readonly temp: Gauge;

  constructor(
    registry: Registry,
    private readonly command = "nvidia-smi",
  ) {
    const g = (name: string, help: string) => new Gauge({ name, help, labelNames: ["gpu", "name"], registers: [registry] });
    this.util = g("fireside_gpu_utilisation_percent", "GPU utilisation");
    this.mem = g("fireside_gpu_memory_used_bytes", "GPU memory in use");
    this.memTotal = g("fireside_gpu_memory_total_bytes", "GPU memory");
    this.temp = g("fireside_gpu_temperature_celsius", "GPU temperature");
  }

  /** Polls until stopped; resolves after the first poll. */
  start(intervalMs = 5000): Promise<void> {
    const first = this.poll();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private poll(): Promise<void> {
    return new Promise((resolve) => {
      execFile(this.command, NVIDIA_SMI_QUERY, { timeout: 4000 }, (err, stdout) => {
        if (err) {
          this.latest = [];
          if ((err as NodeJS.ErrnoException).code === "ENOENT") this.stop(); // no NVIDIA driver here
          resolve();
          return;
        }
        this.latest = parseNvidiaSmi(stdout);
        for (const s of this.latest) {
          const labels = { gpu: String(s.index), name: s.name };
          this.util.set(labels, s.utilisation);
          this.mem.set(labels, s.memoryMiB * 1024 * 1024);
          this.memTotal.set(labels, s.memoryTotalMiB * 1024 * 1024);
          this.temp.set(labels, s.temperatureC);
        }
        resolve();
      });
    });
  }
}
