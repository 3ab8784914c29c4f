/** Builds the four engines named by config, fetching their models on first use. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import type { Config } from "../config/config.js";
import type { ServerMetrics } from "../metrics/metrics.js";
import { ensureModel, type FetchOptions } from "../models/fetch-model.js";
import { findModel } from "../models/manifest.js";
import { withFirstPass } from "./asr/first-pass.js";
import { createMoonshine } from "./asr/moonshine.js";
import { createWhisperCpp } from "./asr/whisper-cpp.js";
import { createWhisperCppCuda } from "./asr/whisper-cpp-cuda.js";
import { Fallbacks } from "./fallbacks.js";
import { createAnthropic } from "./llm/anthropic.js";
import { createLlamaCpp } from "./llm/llama-cpp.js";
import { checkOpenAiCompatible, createOpenAiCompatible } from "./llm/openai-compatible.js";
import { prioritisedAsr, prioritisedSpeaker, prioritisedTts } from "./prioritised.js";
import { PriorityLock } from "./priority-lock.js";
import { createGe2eEncoder } from "./speaker/ge2e.js";
import { createEspeakVoices, parseEspeakPresets } from "./tts/espeak-voices.js";
import { createFireRedTts2, type FireRedTts2Options } from "./tts/fireredtts2.js";
import { createPiper } from "./tts/piper.js";
import { combinePresetEngines } from "./tts/preset-voices.js";
import { createSmartTurn } from "./turn/smart-turn.js";
import type { Engines } from "./types.js";
import { createSileroVad } from "./vad/silero.js";

/** A manifest id becomes the path of its main file (fetched if needed); a path is taken as it is. */
export async function resolveModel(idOrPath: string, fetch: FetchOptions): Promise<{ path: string; name: string }> {
  if (idOrPath.includes("/") || existsSync(idOrPath)) {
    if (!existsSync(idOrPath)) throw new Error(`model file ${idOrPath} does not exist`);
    return {
      path: idOrPath,
      name: idOrPath
        .split("/")
        .pop()!
        .replace(/\.(onnx|bin|gguf|pt)$/, ""),
    };
  }
  const entry = findModel(idOrPath);
  const dir = await ensureModel(entry, fetch);
  return { path: join(dir, entry.files[0]!.name), name: entry.id };
}

/** `onStage`: told, in words, which stage's engine loads next (what /ready says while it does). */
export async function createEngines(
  config: Config,
  fetch: FetchOptions,
  log: (msg: string) => void,
  metrics?: ServerMetrics,
  onStage: (stage: string) => void = () => {},
): Promise<Engines> {
  const fallbacks = new Fallbacks(log);
  onStage("checking the model files");
  const vadModel = await resolveModel(config.vadModel, fetch);
  const speakerModel = await resolveModel(config.speakerModel, fetch);
  const asrModel = await resolveModel(config.asrModel, fetch);
  const piper = async () => createPiperWithPresets(config, await resolveModel(config.ttsVoice, fetch));
  const cpuWhisper = () =>
    createWhisperCpp({
      modelPath: asrModel.path,
      modelName: asrModel.name,
      threads: config.asrThreads,
      partials: config.asrPartialMs > 0,
      fitContext: config.asrFitContext,
      nice: config.computeNice,
    });
  onStage(`the voice (${config.ttsEngine === "fireredtts2" ? "FireRedTTS2" : "Piper"})`);
  const tts =
    config.ttsEngine === "fireredtts2"
      ? await fallbacks.load("tts", "fireredtts2", () => createFireRedFromConfig(config, log, metrics), piper)
      : await piper();
  onStage(`the language model (${config.llmModel})`);
  const llm = await fallbacks.load(
    "llm",
    `${config.llmEngine} (${config.llmModel})`,
    () => createLlm(config, fetch, log),
    config.llmEngine === "llama-cpp" ? null : () => smallLlama(config, fetch),
  );
  onStage(`speech recognition (${asrModel.name}), voice detection and the speaker check`);
  const [vad, asr, speaker] = await Promise.all([
    createSileroVad(vadModel.path),
    config.asrDevice === "cuda"
      ? fallbacks.load(
          "asr",
          `whisper-cpp-cuda (${asrModel.name})`,
          () => createWhisperCppCuda({ modelPath: asrModel.path, modelName: asrModel.name, modulesDir: config.gpuModules }),
          cpuWhisper,
        )
      : cpuWhisper(),
    createGe2eEncoder({ modelPath: speakerModel.path, modelName: speakerModel.name }),
  ]);
  const firstPass = config.asrDevice === "cpu" && config.asrFirstPass !== "off" ? await createFirstPass(config, fetch) : null;
  onStage("the end-of-turn model");
  const turn = await createTurnModel(config, fetch, fallbacks);
  return {
    vad,
    asr: prioritisedAsr(
      firstPass
        ? withFirstPass(firstPass, asr, {
            minConfidence: config.asrFirstPassConfidence,
            maxSeconds: FIRST_PASS_MAX_SECONDS,
            onOutcome: (outcome) => metrics?.asrFirstPass.inc({ outcome }),
          })
        : asr,
      metrics,
    ),
    llm,
    // FireRedTTS2 queues on its own GPU scheduler; Piper's worker thread takes one clause at a time.
    tts: tts.info.name === "fireredtts2" ? tts : prioritisedTts(tts, metrics),
    speaker: prioritisedSpeaker(speaker, metrics),
    ...(turn ? { turn } : {}),
    degraded: fallbacks.degraded,
  };
}

/** The configured LLM: a remote endpoint (checked to answer), or llama.cpp on its model. */
async function createLlm(config: Config, fetch: FetchOptions, log: (msg: string) => void): Promise<Engines["llm"]> {
  if (config.llmEngine === "openai") {
    const endpoint = { baseUrl: config.llmUrl, apiKey: config.llmApiKey || undefined };
    await checkOpenAiCompatible(endpoint);
    return createOpenAiCompatible({ ...endpoint, model: config.llmModel, device: config.llmDevice });
  }
  if (config.llmEngine === "anthropic") {
    return createAnthropic({ apiKey: config.llmApiKey, model: config.llmModel, ...(config.llmUrl ? { baseUrl: config.llmUrl } : {}) });
  }
  let llmModel: { path: string; name: string };
  try {
    llmModel = await resolveModel(config.llmModel, fetch);
  } catch (err) {
    // The default model is a 1 GB download; offline, say so loudly and run the small registry model.
    if (config.llmModel !== "qwen2.5-1.5b-instruct" || process.env.FIRESIDE_LLM_MODEL) throw err;
    log(
      `WARNING: cannot fetch the default LLM (${(err as Error).message}); using smollm2-135m, which is small and weak. Set FIRESIDE_LLM_MODEL to choose.`,
    );
    llmModel = await resolveModel("smollm2-135m", fetch);
  }
  return llama(config, llmModel);
}

/** The fallback LLM: llama.cpp on the small registry model, which every pod can run on its CPU. */
async function smallLlama(config: Config, fetch: FetchOptions): Promise<Engines["llm"]> {
  return llama(config, await resolveModel("smollm2-135m", fetch), false);
}

/** gpu: offload to CUDA when the pod asks for it (FIRESIDE_LLM_DEVICE=cuda); the fallback stays on CPU. */
function llama(config: Config, model: { path: string; name: string }, gpu = config.llmDevice === "cuda") {
  return createLlamaCpp({
    modelPath: model.path,
    modelName: model.name,
    threads: config.llmThreads,
    contextSize: config.llmContext,
    parallel: config.llmParallel,
    gpu,
  });
}

/**
 * Longer utterances go straight to Whisper: Moonshine's cost grows with the audio (~55 ms a second
 * on one core) and tiny is wrong more often on long talk, so the detour would mostly be wasted.
 */
const FIRST_PASS_MAX_SECONDS = 8;

/** Moonshine on one thread (Whisper, the LLM and Piper share the other cores). */
async function createFirstPass(config: Config, fetch: FetchOptions) {
  const model = await resolveModel(config.asrFirstPass, fetch);
  const modelDir = statSync(model.path).isDirectory() ? model.path : dirname(model.path);
  return createMoonshine({ modelDir, modelName: model.name, threads: 1 });
}

/** The worker's command line (workers/fireredtts2/fireside_tts_worker/__main__.py) for this config. */
export function fireRedWorkerArgs(config: Config): string[] {
  const streams = ["--max-streams", String(config.fireredStreams)];
  if (config.fireredWorker === "test-double") return ["--model", "tone-double", ...streams];
  return [
    ...["--model", "fireredtts2", "--model-dir", config.fireredDir, "--device", config.fireredDevice, "--gen-type", config.fireredMode],
    ...streams,
    ...["--step-budget-ms", String(config.fireredStepBudgetMs)],
    ...(config.fireredMaxFrames ? ["--max-frames", String(config.fireredMaxFrames)] : []),
    ...(config.fireredDevice === "cpu" ? ["--no-bf16"] : []),
  ];
}

/**
 * The end-of-turn model, or none: off by setting, or — when it cannot load — none with the pod
 * degraded, the pause's transcript then deciding alone as it did before the model.
 */
async function createTurnModel(config: Config, fetch: FetchOptions, fallbacks: Fallbacks): Promise<Engines["turn"]> {
  // auto: only where the model does not compete with Whisper for the same few cores (measured on
  // two: the turn got slower, docs/performance.md "The end of a turn on the audio").
  const roomy = config.asrDevice === "cuda" || availableParallelism() >= 8;
  const wanted = config.turnModel === "auto" ? (roomy ? "smart-turn-v3.2" : "off") : config.turnModel;
  if (wanted === "off") return undefined;
  try {
    const model = await resolveModel(wanted, fetch);
    return await createSmartTurn({ modelPath: model.path, modelName: model.name, threads: config.turnThreads });
  } catch (err) {
    fallbacks.note("turn", wanted, "the pause's transcript alone", err);
    return undefined;
  }
}

/** The files a FireRedTTS2 worker loads in this mode that are not in the weights folder. */
function fireRedFilesMissing(dir: string, mode: Config["fireredMode"]): string[] {
  const needed = ["config_llm.json", "codec.pt", mode === "dialogue" ? "llm_posttrain.pt" : "llm_pretrain.pt", "Qwen2.5-1.5B"];
  return needed.filter((f) => !existsSync(join(dir, f)));
}

/** Piper's voice first (the default), then the espeak-ng presets at Piper's sample rate. */
async function createPiperWithPresets(config: Config, model: { path: string; name: string }) {
  const piper = await createPiper({ modelPath: model.path, voiceId: model.name.replace(/^piper-/, ""), threads: config.ttsThreads });
  const presets = parseEspeakPresets(config.espeakPresets);
  return presets.length ? combinePresetEngines([piper, createEspeakVoices({ presets, sampleRate: piper.sampleRate })]) : piper;
}

async function createFireRedFromConfig(config: Config, log: (msg: string) => void, metrics?: ServerMetrics) {
  const voices = config.fireredVoices ? (JSON.parse(readFileSync(config.fireredVoices, "utf8")) as FireRedTts2Options["voices"]) : [];
  const args = fireRedWorkerArgs(config);
  if (config.fireredWorker === "model" && !config.fireredDir)
    throw new Error("FIRESIDE_FIREREDTTS2_DIR is required for FIRESIDE_TTS_ENGINE=fireredtts2");
  // Said before the worker starts, in words an operator acts on (a failed download leaves gaps).
  const missing = config.fireredDir ? fireRedFilesMissing(config.fireredDir, config.fireredMode) : [];
  if (missing.length) throw new Error(`FireRedTTS2 weights are incomplete in ${config.fireredDir}: missing ${missing.join(", ")}`);
  const scheduler = new PriorityLock(config.ttsQueue, "speech synthesis", (priority, waitMs) =>
    metrics?.ttsQueueWait.observe({ priority }, waitMs / 1000),
  );
  metrics?.watchQueue(() => scheduler.stats.depth);
  return createFireRedTts2({
    python: config.python,
    args,
    heartbeatTimeoutMs: 5000,
    stallTimeoutMs: 15_000,
    startTimeoutMs: 10 * 60_000,
    log: (level, msg, fields) => log(`${level}: ${msg} ${fields ? JSON.stringify(fields) : ""}`),
    scheduler,
    language: "en",
    voices,
  });
}
