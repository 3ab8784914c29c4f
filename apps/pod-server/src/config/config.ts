/**
 * Every setting of the pod server, declared once with its environment variable, default and
 * reason. Sources, later wins: defaults < config file (JSON, --config or FIRESIDE_CONFIG) < env.
 * Validated at start; a bad value stops the server with a message naming the setting.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { defaultModelsDir } from "../models/cache-dir.js";

const cpus = availableParallelism();
/** llama.cpp and whisper.cpp slow down badly when threads outnumber free cores. */
const defaultThreads = Math.max(1, Math.min(8, cpus - 1));

const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

interface Setting {
  env: string;
  schema: z.ZodType;
  default: unknown;
  help: string;
}

const s = <T extends z.ZodType>(env: string, schema: T, def: z.output<T>, help: string) => ({ env, schema, default: def, help });

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
  vadModel: s("FIRESIDE_VAD_MODEL", z.string(), "silero-vad-v5", "VAD model id from the manifest, or a path to a Silero v5 ONNX file."),
  speakerModel: s(
    "FIRESIDE_SPEAKER_MODEL",
    z.string(),
    "resemblyzer-ge2e",
    "Speaker encoder (voice similarity and one-speaker checks in the studio): manifest id or a path to Resemblyzer's pretrained.pt.",
  ),
  asrEngine: s("FIRESIDE_ASR_ENGINE", z.enum(["whisper-cpp"]), "whisper-cpp", "Speech recogniser."),
  asrModel: s(
    "FIRESIDE_ASR_MODEL",
    z.string(),
    "whisper-base",
    "Whisper model id (whisper-base, whisper-tiny.en, whisper-large-v3-turbo) or a ggml file path.",
  ),
  asrFirstPass: s(
    "FIRESIDE_ASR_FIRST_PASS",
    z.string(),
    "off",
    "CPU only: a fast English recogniser (moonshine-tiny-en, or a folder with Moonshine's files) tried before Whisper on live turns up to 8 s; its transcript is kept when its confidence reaches FIRESIDE_ASR_FIRST_PASS_CONFIDENCE, else Whisper transcribes. off (default: on two cores it made the median turn slower, docs/performance.md).",
  ),
  asrFirstPassConfidence: s(
    "FIRESIDE_ASR_FIRST_PASS_CONFIDENCE",
    z.coerce.number().min(0).max(1),
    0.9,
    "Geometric mean of the first pass's token probabilities at or above which its transcript is kept; 0 = always (Moonshine alone for live English turns up to 8 s: fastest, more word errors).",
  ),
  turnModel: s(
    "FIRESIDE_TURN_MODEL",
    z.string(),
    "auto",
    "End-of-turn model on the audio at each pause (server VAD): smart-turn-v3.2 (a registry model), an .onnx path of the same family, off (the pause's transcript decides alone), or auto: smart-turn-v3.2 where Whisper runs on the GPU or the machine has 8+ cores, off elsewhere (on 2 cores it slowed the median turn by ~250 ms, competing with Whisper: docs/performance.md). docs/protocol.md, How a turn ends.",
  ),
  turnThreads: s(
    "FIRESIDE_TURN_THREADS",
    int(1, 16),
    Math.min(2, cpus),
    "Threads of the end-of-turn model (its worker thread). Its cost is fixed (an 8 s window): ~250 ms on one core of a 2-core EPYC, ~130 ms on two.",
  ),
  asrDevice: s(
    "FIRESIDE_ASR_DEVICE",
    z.enum(["cpu", "cuda"]),
    "cpu",
    "cuda runs whisper.cpp's CUDA build from FIRESIDE_GPU_MODULES (the pod image).",
  ),
  gpuModules: s("FIRESIDE_GPU_MODULES", z.string(), "", "node_modules folder holding GPU-only packages (installed by runpod/Dockerfile)."),
  opusBitrate: s(
    "FIRESIDE_OPUS_BITRATE",
    int(6000, 128_000),
    32_000,
    "Bits per second of the reply's audio when a client negotiates opus output.",
  ),
  computeNice: s(
    "FIRESIDE_COMPUTE_NICE",
    int(0, 19),
    5,
    "Linux nice value for the engines' compute threads, so the event loop (frames, pings, barge-ins) runs first on busy cores; 0 = leave them equal.",
  ),
  asrThreads: s("FIRESIDE_ASR_THREADS", int(1, 64), Math.max(1, Math.min(8, cpus)), "whisper.cpp threads."),
  asrFitContext: s("FIRESIDE_ASR_FIT_CONTEXT", bool, true, "Fit Whisper's encoder context to the utterance: faster on CPU."),
  asrSpeculate: s(
    "FIRESIDE_ASR_SPECULATE",
    bool,
    true,
    "Transcribe the utterance when the speaker pauses (128 ms), and use that transcript at the end of the turn if no voice followed: ASR overlaps the end-of-turn wait.",
  ),
  continuationMs: s(
    "FIRESIDE_CONTINUATION_MS",
    int(0, 10_000),
    1500,
    "Speech this soon after a commit, before its reply could be heard, continues that utterance (same item, one reply to the whole); 0 = every new speech is a new turn.",
  ),
  replySpeculate: s(
    "FIRESIDE_REPLY_SPECULATE",
    bool,
    true,
    "With FIRESIDE_ASR_SPECULATE: when the pause's transcript is ready, start the reply (LLM and the first clause's audio) during the end-of-turn wait. Nothing is sent before the turn is committed; the draft is thrown away if the speaker goes on.",
  ),
  asrPartialMs: s(
    "FIRESIDE_ASR_PARTIAL_MS",
    int(0, 10_000),
    0,
    "Interval of partial transcripts while the user speaks; 0 = off (each costs a full decode).",
  ),
  llmEngine: s(
    "FIRESIDE_LLM_ENGINE",
    z.enum(["llama-cpp", "openai", "anthropic"]),
    "llama-cpp",
    "llama-cpp (embedded GGUF), openai (any OpenAI-compatible server: vLLM, llama.cpp, Ollama, OpenAI) or anthropic (Messages API).",
  ),
  llmModel: s(
    "FIRESIDE_LLM_MODEL",
    z.string(),
    "qwen2.5-1.5b-instruct",
    "llama-cpp: model id (qwen2.5-1.5b-instruct, smollm2-135m) or GGUF path; openai: the model name.",
  ),
  llmUrl: s(
    "FIRESIDE_LLM_URL",
    z.string(),
    "",
    "Base URL: OpenAI-compatible, e.g. http://127.0.0.1:8000/v1; anthropic: optional, default https://api.anthropic.com.",
  ),
  llmDevice: s(
    "FIRESIDE_LLM_DEVICE",
    z.enum(["cpu", "cuda", "remote"]),
    "remote",
    "llama-cpp: cuda offloads the model to the GPU (the pod image sets it; without a usable GPU it runs on CPU and says so); openai: where the endpoint computes, as the dashboard shows it (start.sh sets cuda for the pod's own vLLM).",
  ),
  llmApiKey: s("FIRESIDE_LLM_API_KEY", z.string(), "", "API key for the OpenAI-compatible endpoint."),
  llmThreads: s("FIRESIDE_LLM_THREADS", int(1, 64), defaultThreads, "llama.cpp threads."),
  llmContext: s("FIRESIDE_LLM_CONTEXT", int(256, 131_072), 4096, "llama.cpp context size in tokens."),
  llmParallel: s("FIRESIDE_LLM_PARALLEL", int(1, 64), 2, "Generations llama.cpp runs at once."),
  llmMaxTokens: s("FIRESIDE_LLM_MAX_TOKENS", int(16, 4096), 160, "Longest reply in tokens (spoken replies should be short)."),
  llmTemperature: s("FIRESIDE_LLM_TEMPERATURE", z.coerce.number().min(0).max(2), 0.7, "Sampling temperature."),
  llmHistoryTurns: s(
    "FIRESIDE_LLM_HISTORY_TURNS",
    int(1, 200),
    20,
    "User+assistant turns kept in the prompt at most; older ones leave in blocks of half as many, so the LLM's cache is reused.",
  ),
  ttsEngine: s(
    "FIRESIDE_TTS_ENGINE",
    z.enum(["piper", "fireredtts2"]),
    "piper",
    "Speech synthesiser: piper (CPU) or fireredtts2 (GPU worker).",
  ),
  fireredDir: s(
    "FIRESIDE_FIREREDTTS2_DIR",
    z.string(),
    "",
    "FireRedTTS2 weights folder (config_llm.json, codec.pt, Qwen2.5-1.5B/ and llm_pretrain.pt or llm_posttrain.pt).",
  ),
  fireredWorker: s(
    "FIRESIDE_FIREREDTTS2_WORKER",
    z.enum(["model", "test-double"]),
    "model",
    "model, or test-double: a tone generator for dry runs and CI (never a voice).",
  ),
  fireredDevice: s("FIRESIDE_FIREREDTTS2_DEVICE", z.string(), "cuda", "Torch device of the FireRedTTS2 worker."),
  fireredMaxFrames: s(
    "FIRESIDE_FIREREDTTS2_MAX_FRAMES",
    int(0, 10_000),
    0,
    "Cap on 80 ms frames per call; 0 keeps the model's own limits. For runs with random-initialised weights, which never end speech.",
  ),
  fireredStreams: s(
    "FIRESIDE_FIREREDTTS2_STREAMS",
    int(1, 64),
    8,
    "Syntheses the FireRedTTS2 worker streams at once, batched into one step per 80 ms frame (each takes ~330 MB of GPU memory for its caches); more wait, live turns first.",
  ),
  fireredStepBudgetMs: s(
    "FIRESIDE_FIREREDTTS2_STEP_BUDGET_MS",
    int(0, 80),
    40,
    "At load the worker times one step (a frame of every stream) per batch size and offers only as many of FIRESIDE_FIREREDTTS2_STREAMS as step within this many ms (a frame is 80 ms); 0 offers them all untimed.",
  ),
  fireredMode: s(
    "FIRESIDE_FIREREDTTS2_MODE",
    z.enum(["monologue", "dialogue"]),
    "monologue",
    "monologue (llm_pretrain.pt; each sentence cloned on its own) or dialogue (llm_posttrain.pt; dialogue lines and the assistant's sentences conditioned on earlier turns).",
  ),
  fireredVoices: s(
    "FIRESIDE_FIREREDTTS2_VOICES",
    z.string(),
    "",
    "JSON file listing preset voices: [{id, name, language, audioPath, transcript}] (reference clip + its exact transcript).",
  ),
  python: s("FIRESIDE_PYTHON", z.string().min(1), "python3", "Python that runs the FireRedTTS2 worker (its torch, CUDA and fireredtts2)."),
  ttsQueue: s("FIRESIDE_TTS_QUEUE", int(1, 1000), 16, "Requests waiting for the GPU before new ones get E_BUSY."),
  espeakPresets: s(
    "FIRESIDE_ESPEAK_PRESETS",
    z.string(),
    "en-us+f3=Ada,en-gb+m3=Rupert",
    "CPU pods: extra preset voices from espeak-ng (voice=Name, comma-separated; empty for none), so dialogue speakers can sound different without cloning.",
  ),
  ttsVoice: s(
    "FIRESIDE_TTS_VOICE",
    z.string(),
    "piper-en_US-joe-medium",
    "Voice model id or a Piper .onnx path (its .onnx.json beside it).",
  ),
  ttsThreads: s("FIRESIDE_TTS_THREADS", int(1, 64), defaultThreads, "onnxruntime threads for TTS."),
  outputLeadMs: s(
    "FIRESIDE_OUTPUT_LEAD_MS",
    int(100, 10_000),
    1000,
    "How far audio may run ahead of real time; bounds what a barge-in must discard.",
  ),
  pingIntervalMs: s("FIRESIDE_PING_INTERVAL_MS", int(1000, 600_000), 25_000, "Server keepalive pings; under RunPod's ~100 s idle cut."),
  bargeInMs: s("FIRESIDE_BARGE_IN_MS", int(0, 2000), 200, "Speech this long during a reply interrupts it (server VAD)."),
  interruptGraceMs: s(
    "FIRESIDE_INTERRUPT_GRACE_MS",
    int(0, 5000),
    500,
    "After a server-detected barge-in, wait this long for the client's played position.",
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
