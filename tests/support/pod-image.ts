/**
 * Builds runpod/Dockerfile and boots the image on this machine, with no container registry: the
 * base is made from Debian's packages (mmdebstrap) and the image built with buildah (vfs storage,
 * chroot isolation). Containers cannot start here (the sandbox refuses crun's setrlimit), so the
 * image boots with `buildah run --isolation chroot`: the image's own filesystem and programs on the
 * host's network, which is enough to reach its port. Users run the same image with docker/podman.
 * See ../shared/briefs/containers.md.
 */
import { type ChildProcess, type ExecFileSyncOptions, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installed } from "./services.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const STORAGE = ["--storage-driver", "vfs"];
export const BASE_IMAGE = "localhost/fireside-base:test";
export const POD_IMAGE = "localhost/fireside-pod:test";
/** This sandbox intercepts TLS: its CA bundle goes into the build and the boot (never into the image). */
const CA = "/etc/ssl/certs/ca-certificates.crt";
const CA_IN = "/run/fireside-ca.crt";
const CA_VARS = ["SSL_CERT_FILE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS"];

/** Root runs the tools itself; anyone else through passwordless sudo, where there is one. */
const SUDO: string[] =
  process.getuid?.() === 0 ? [] : spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0 ? ["sudo", "-n"] : ["no-root"];

/** Runs a tool as root (directly, or through sudo). */
function asRoot(cmd: string, args: string[], opts: ExecFileSyncOptions = {}) {
  const [head, ...rest] = [...SUDO, cmd, ...args];
  return execFileSync(head!, rest, opts);
}

/** Why the image cannot be built here, or null when it can. */
export function cannotBuild(): string | null {
  if (SUDO[0] === "no-root") return "building the image needs root or passwordless sudo (mmdebstrap, buildah with vfs storage)";
  for (const tool of ["mmdebstrap", "buildah"]) {
    if (!installed(tool)) return `${tool} is not installed (scripts/setup.sh installs it as root)`;
  }
  return null;
}

function buildah(args: string[], opts: { input?: string } = {}): string {
  return asRoot("buildah", [...STORAGE, ...args], { encoding: "utf8", maxBuffer: 64 << 20, ...opts })
    .toString()
    .trim();
}

/** The base: Debian bookworm from Debian's packages, as a local image (what debian:bookworm-slim is to users). */
export function makeBase(workDir: string): void {
  const tar = join(workDir, "base.tar");
  asRoot("mmdebstrap", ["--quiet", "--variant=minbase", "--include=ca-certificates", "bookworm", tar], { stdio: "inherit" });
  const ctr = buildah(["from", "scratch"]);
  try {
    buildah(["add", ctr, tar, "/"]);
    buildah(["commit", "--quiet", ctr, BASE_IMAGE]);
  } finally {
    buildah(["rm", ctr]);
  }
}

/** Builds runpod/Dockerfile from the repository on that base; returns the build's output. */
export function buildImage(): void {
  asRoot(
    "buildah",
    [
      ...STORAGE,
      "bud",
      "--isolation",
      "chroot",
      "--layers=false",
      "--format",
      "docker", // keeps HEALTHCHECK (OCI has none)
      "-f",
      "runpod/Dockerfile",
      "--build-arg",
      `BASE=${BASE_IMAGE}`,
      "--volume",
      `${CA}:${CA_IN}:ro`,
      ...CA_VARS.flatMap((v) => ["--build-arg", `${v}=${CA_IN}`]),
      "-t",
      POD_IMAGE,
      ".",
    ],
    { cwd: root, stdio: "inherit" },
  );
}

/** The image's size as stored (uncompressed bytes of its layers). */
export function imageBytes(image = POD_IMAGE): number {
  const [info] = JSON.parse(buildah(["images", "--json", image])) as { size: string | number }[];
  const size = info!.size;
  if (typeof size === "number") return size;
  // buildah prints a human size ("7.9 GB"); decimal units as it writes them.
  const m = /^([\d.]+)\s*([kMG]?B)$/.exec(size);
  if (!m) throw new Error(`unexpected image size ${size}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B"];
}

export function removeImages(): void {
  for (const image of [POD_IMAGE, BASE_IMAGE]) {
    try {
      buildah(["rmi", "--force", image]);
    } catch {
      // not there
    }
  }
}

export interface BootedPod {
  url: string;
  child: ChildProcess;
  /**
   * SIGTERM to the image's entrypoint, as `docker stop` sends it to a container's first process
   * (`buildah run` would kill it instead of passing the signal on).
   */
  terminate(): void;
  /** Kills the boot and everything it started (a test that gave up on it). */
  kill(): void;
  log: () => string;
  exited: Promise<number | null>;
  /** Removes the working container the boot made. */
  remove(): void;
}

/** Boots the image's entrypoint (runpod/start.sh) on a volume folder of this machine. */
export function bootImage(volume: string, port: number, env: Record<string, string>): BootedPod {
  mkdirSync(volume, { recursive: true });
  const ctr = buildah(["from", POD_IMAGE]);
  const envArgs = Object.entries({ ...env, FIRESIDE_PORT: String(port), FIRESIDE_HOST: "127.0.0.1" }).flatMap(([k, v]) => [
    "--env",
    `${k}=${v}`,
  ]);
  const caArgs = existsSync(CA) ? ["--volume", `${CA}:${CA_IN}:ro`, ...CA_VARS.flatMap((v) => ["--env", `${v}=${CA_IN}`])] : [];
  // Through sudo when not root: `sudo -n buildah …`.
  const [cmd, ...prefix] = [...SUDO, "buildah"];
  const child = spawn(
    cmd!,
    [
      ...prefix,
      ...STORAGE,
      "run",
      "--isolation",
      "chroot",
      "--volume",
      `${volume}:/workspace`,
      ...caArgs,
      ...envArgs,
      ctr,
      "--",
      "bash",
      "/app/runpod/start.sh",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const add = (d: Buffer) => {
    log += d.toString();
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    terminate: () => {
      const entry = descendants(child.pid!).findLast((pid) => readCmdline(pid).startsWith("/usr/bin/bash /app/runpod/start.sh"));
      if (!entry) throw new Error("the image's start.sh is not running");
      signal(entry, "TERM");
    },
    kill: () => {
      for (const pid of [...descendants(child.pid!).reverse(), child.pid!]) {
        signal(pid, "KILL");
      }
    },
    log: () => log,
    exited,
    remove: () => {
      try {
        buildah(["rm", ctr]);
      } catch {
        // already gone
      }
    },
  };
}

/** Signals a process the boot started (root's, so through sudo when the test is not root). */
function signal(pid: number, sig: "TERM" | "KILL"): void {
  try {
    asRoot("kill", [`-${sig}`, String(pid)], { stdio: "ignore" });
  } catch {
    // gone
  }
}

/** Removes what the image's tools wrote (root's files). */
export function removeAsRoot(path: string): void {
  asRoot("rm", ["-rf", path], { stdio: "ignore" });
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Every process below `pid`, nearest first. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    frontier = [...parent].filter(([, pp]) => frontier.includes(pp)).map(([p]) => p);
    out.push(...frontier);
  }
  return out;
}

/** Size and modification time of every file under a folder: what a boot that downloads nothing leaves alone. */
export function fileStamps(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(p, `${st.size}@${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}
