/**
 * Every setting of the pod server, declared once with its environment variable, default and
 * reason. Sources, later wins: defaults < config file (JSON, --config or FIRESIDE_CONFIG) < env.
 * Validated at start; a bad value stops the server with a message naming the setting.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { defaultModelsDir } from "../models/cache-dir.js";
import { ENGINE_SETTINGS } from "./engine-settings.js";
import { bool, int, type Setting, s } from "./setting.js";

export const SETTINGS = {
  host: s("FIRESIDE_HOST", z.string().min(1), "127.0.0.1", "Address to listen on; 0.0.0.0 on a pod."),
  port: s("FIRESIDE_PORT", int(0, 65535), 8787, "HTTP and WebSocket port (0 picks a free one)."),
  token: s("FIRESIDE_TOKEN", z.string(), "", "Auth token clients must present; empty allows anyone (local use only)."),
  modelsDir: s("FIRESIDE_MODELS_DIR", z.string().min(1), defaultModelsDir(), "Model cache; on a pod, the persistent volume."),
  dataDir: s(
    "FIRESIDE_DATA_DIR",
    z.string().min(1),
    join(dirname(defaultModelsDir()), "data"),
    "Database (fireside.db) and voice reference clips; on a pod, the persistent volume.",
  ),
  databaseUrl: s(
    "FIRESIDE_DATABASE_URL",
    z.string().refine((v) => v === "" || /^postgres(ql)?:\/\//.test(v), "a postgres:// URL, or empty"),
    "",
    "PostgreSQL for conversations, voice profiles (with their clips) and dialogues, shared by every pod of a fleet (postgres://user:password@host:5432/db); empty keeps them in SQLite and files under FIRESIDE_DATA_DIR.",
  ),
  redisUrl: s(
    "FIRESIDE_REDIS_URL",
    z.string().refine((v) => v === "" || /^rediss?:\/\//.test(v), "a redis:// URL, or empty"),
    "",
    "Redis for what a fleet shares briefly: resume tokens (resume on any pod), rate-limit and wrong-token counters (redis://host:6379); empty keeps them in this process.",
  ),
  podId: s(
    "FIRESIDE_POD_ID",
    z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/),
    "",
    "This pod's name in a fleet (logs, /ready, which pod holds a session); empty: the host name and port.",
  ),
  admitMaxLagMs: s(
    "FIRESIDE_ADMIT_MAX_LAG_MS",
    int(0, 10_000),
    300,
    "No new session while the event loop's delay p99 (over the last second) is above this, ms: the pod is at capacity whatever the session count; 0 turns it off.",
  ),
  agentPort: s(
    "FIRESIDE_AGENT_PORT",
    int(0, 65535),
    0,
    "TCP port of HAProxy's agent check: the pod answers how many sockets it takes now, or `drain` (runpod/fleet/haproxy.cfg); 0 turns it off.",
  ),
  drainTimeoutMs: s(
    "FIRESIDE_DRAIN_TIMEOUT_MS",
    int(0, 3_600_000),
    30_000,
    "On SIGTERM, how long live sessions may take to finish their reply and move to another pod before the rest are moved as they are.",
  ),
  maxUploadBytes: s(
    "FIRESIDE_MAX_UPLOAD_BYTES",
    int(1024, 1024 ** 3),
    20 * 1024 * 1024,
    "Largest reference-clip upload; bigger ones get 413.",
  ),
  maxSessions: s(
    "FIRESIDE_MAX_SESSIONS",
    int(0, 10_000),
    0,
    "Concurrent conversations; more are refused with E_BUSY. 0 = by hardware: one per CPU core (at least 2) when any engine computes on the CPU, else 64.",
  ),
  helloTimeoutMs: s(
    "FIRESIDE_HELLO_TIMEOUT_MS",
    int(500, 120_000),
    5000,
    "A socket that has not completed session.hello by then is closed (4408); it holds no session slot meanwhile.",
  ),
  resumeGraceMs: s(
    "FIRESIDE_RESUME_GRACE_MS",
    int(0, 3_600_000),
    120_000,
    "How long a dropped session can be resumed with its resume token (same id, conversation, voice, settings); 0 turns resume off.",
  ),
  maxPendingPerAddress: s(
    "FIRESIDE_MAX_PENDING_PER_ADDRESS",
    int(1, 10_000),
    8,
    "Sockets one client address may hold open before their hello; more are refused with HTTP 429.",
  ),
  maxPending: s("FIRESIDE_MAX_PENDING", int(1, 100_000), 256, "Sockets before hello from all addresses together; more get HTTP 503."),
  rateRestPerMin: s(
    "FIRESIDE_RATE_REST_PER_MIN",
    int(1, 1_000_000),
    600,
    "REST requests per minute, per client address and per token; past it 429 with Retry-After.",
  ),
  rateConnectPerMin: s(
    "FIRESIDE_RATE_CONNECT_PER_MIN",
    int(1, 1_000_000),
    60,
    "WebSocket connects per minute per client address; past it E_RATE_LIMITED and close 4429.",
  ),
  authFailuresPerWindow: s(
    "FIRESIDE_AUTH_FAILURES",
    int(1, 1_000_000),
    10,
    "Wrong or missing tokens one address may send per FIRESIDE_AUTH_BLOCK_S before it is blocked for that long.",
  ),
  authBlockS: s("FIRESIDE_AUTH_BLOCK_S", int(1, 86_400), 600, "Window and block time for repeated auth failures, in seconds."),
  trustProxy: s(
    "FIRESIDE_TRUST_PROXY",
    bool,
    false,
    "Take the client address from X-Forwarded-For (its last entry, added by the proxy). Only behind a proxy you run (RunPod's).",
  ),
  corsOrigins: s(
    "FIRESIDE_CORS_ORIGINS",
    z.string(),
    "",
    "Browser origins, besides the pod's own pages and the desktop app (file://), allowed to call the REST API (comma-separated).",
  ),
  metricsPublic: s("FIRESIDE_METRICS_PUBLIC", bool, false, "Serve /metrics without the token (e.g. to a scraper on a private network)."),
  auditContent: s(
    "FIRESIDE_AUDIT_CONTENT",
    bool,
    false,
    "Also write voice names and transcripts into the audit log (off: ids, addresses and outcomes only).",
  ),
  auditMaxBytes: s(
    "FIRESIDE_AUDIT_MAX_BYTES",
    int(4096, 1024 ** 3),
    10 * 1024 * 1024,
    "audit.jsonl is rotated past this size; three older files are kept (audit.1.jsonl … audit.3.jsonl).",
  ),
  retentionDays: s(
    "FIRESIDE_RETENTION_DAYS",
    int(0, 36_500),
    0,
    "Delete voice profiles and dialogue renders not changed for this many days (checked hourly); 0 keeps them until deleted.",
  ),
  persona: s(
    "FIRESIDE_PERSONA",
    z.string().max(8000),
    "You are Fireside, a friendly voice assistant. Answer in one to three short spoken sentences. No lists, no markdown.",
    "Default system prompt; a client's hello may replace it.",
  ),
  ...ENGINE_SETTINGS,
  pingIntervalMs: s("FIRESIDE_PING_INTERVAL_MS", int(1000, 600_000), 25_000, "Server keepalive pings; under RunPod's ~100 s idle cut."),
  interruptGraceMs: s(
    "FIRESIDE_INTERRUPT_GRACE_MS",
    int(0, 5000),
    500,
    "After a barge-in the server detected while the reply was not paused (client VAD), wait this long for the client's played position.",
  ),
  webDir: s(
    "FIRESIDE_WEB_DIR",
    z.string(),
    fileURLToPath(new URL("../../../desktop/out/renderer", import.meta.url)),
    "Built web client served at / (the desktop renderer's web build); empty disables it.",
  ),
  alertWebhook: s(
    "FIRESIDE_ALERT_WEBHOOK",
    z.union([z.literal(""), z.url({ protocol: /^https?$/ })]),
    "",
    "URL the pod POSTs a JSON event to when it degrades or its disk is full (docs/operations.md, Alerts); empty: none.",
  ),
  nvidiaSmi: s(
    "FIRESIDE_NVIDIA_SMI",
    z.string().min(1),
    "nvidia-smi",
    "Command that reports GPU telemetry (absent on CPU machines: nothing is reported).",
  ),
  logLevel: s("FIRESIDE_LOG_LEVEL", z.enum(["debug", "info", "warn", "error"]), "info", "Log verbosity (logs go to stderr as JSON lines)."),
} as const satisfies Record<string, Setting>;

export type Config = { -readonly [K in keyof typeof SETTINGS]: z.infer<(typeof SETTINGS)[K]["schema"]> };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function loadConfig(opts: { env?: NodeJS.ProcessEnv; file?: string; overrides?: Partial<Config> } = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.FIRESIDE_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    const unknown = Object.keys(fromFile).filter((k) => !(k in SETTINGS));
    if (unknown.length) throw new ConfigError(`config file ${file}: unknown setting(s) ${unknown.join(", ")}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const raw = opts.overrides?.[key as keyof Config] ?? env[setting.env] ?? fromFile[key] ?? setting.default;
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(`${setting.env} (${key}) = ${JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    }
    out[key] = parsed.data;
  }
  const config = out as Config;
  if (config.llmEngine === "openai" && !config.llmUrl)
    throw new ConfigError("FIRESIDE_LLM_URL is required when FIRESIDE_LLM_ENGINE=openai");
  if (config.llmEngine === "anthropic" && !config.llmApiKey) {
    throw new ConfigError("FIRESIDE_LLM_API_KEY is required when FIRESIDE_LLM_ENGINE=anthropic");
  }
  return config;
}

export function helpText(): string {
  const rows = Object.entries(SETTINGS).map(
    ([key, st]) => `  ${st.env.padEnd(28)} ${key.padEnd(16)} default ${JSON.stringify(st.default)}\n      ${st.help}`,
  );
  return `fireside-pod — the Fireside pod server (speech in, speech out over one WebSocket)

Usage: fireside-pod [--config FILE.json] [--help]

Settings (environment variable, config-file key, default):
${rows.join("\n")}
`;
}
