// Entry points of the model layer: loadModel (GGUF file or HF folder -> CausalLM + tokenizer sources),
// saveHfFolder and saveGguf for any CausalLM. Not the formats themselves (io/) or the math (llama/).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Backend, getBackend } from "../engine/index.js";
import { ModelError } from "../util/errors.js";
import type { CausalLM } from "./causal-lm.js";
import type { Checkpoint } from "./checkpoint.js";
import { type GgufTokenizerMetadata, ggufTokenizerMetadata, readGgufCheckpoint } from "./io/gguf-model.js";
import type { GgufMetadata } from "./io/gguf-read.js";
import { ggufTokenizerFromHf } from "./io/gguf-tokenizer.js";
import { type GgufWriteOptions, writeGguf } from "./io/gguf-write.js";
import { loadHfFolder, type SaveHfOptions, saveHfFolder as writeHfFolder } from "./io/hf-folder.js";
import { type LlamaOptions, LlamaModel } from "./llama/model.js";

/** Where the tokenizer of a loaded model comes from (the text layer builds its Tokenizer from this). */
export type TokenizerSource =
  | { kind: "gguf"; path: string; metadata: GgufTokenizerMetadata; raw: GgufMetadata }
  | { kind: "hf"; folder: string; files: string[] }
  | { kind: "none" };

export interface LoadedModel {
  model: LlamaModel;
  format: "gguf" | "hf";
  path: string;
  tokenizer: TokenizerSource;
  /** parsed generation_config.json of an HF folder, else null */
  generationConfig: Record<string, unknown> | null;
}

export interface LoadOptions extends LlamaOptions {
  /** engine backend; default getBackend() (native when built, else ts) */
  backend?: Backend;
}

/** Build a model from an in-memory checkpoint (weights are copied unless opts.adoptWeights). */
export function modelFromCheckpoint(ck: Checkpoint, opts: LoadOptions = {}): LlamaModel {
  return new LlamaModel(ck, opts.backend ?? getBackend(), opts);
}

/** Load a `.gguf` file or a Hugging Face model folder. */
export function loadModel(path: string, opts: LoadOptions = {}): LoadedModel {
  if (!existsSync(path)) throw new ModelError(`${path}: no such model file or folder`);
  if (statSync(path).isDirectory()) {
    // An iterate trained from a GGUF model keeps a model.gguf beside its safetensors: it carries the
    // SentencePiece vocabulary, which the folder has no tokenizer.json for.
    const gguf = join(path, "model.gguf");
    if (existsSync(gguf) && !existsSync(join(path, "tokenizer.json")))
      return { ...loadModel(gguf, opts), path };
    const hf = loadHfFolder(path);
    return {
      model: modelFromCheckpoint(hf.checkpoint, { ...opts, adoptWeights: true }),
      format: "hf",
      path,
      tokenizer: hf.tokenizerFiles.length
        ? { kind: "hf", folder: path, files: hf.tokenizerFiles }
        : { kind: "none" },
      generationConfig: hf.generationConfig,
    };
  }
  const { checkpoint, file } = readGgufCheckpoint(path);
  const meta = ggufTokenizerMetadata(file);
  return {
    model: modelFromCheckpoint(checkpoint, { ...opts, adoptWeights: true }),
    format: "gguf",
    path,
    tokenizer: meta ? { kind: "gguf", path, metadata: meta, raw: file.metadata } : { kind: "none" },
    generationConfig: null,
  };
}

/** The weights of any CausalLM as a Checkpoint (no copy). */
export function checkpointOf(model: CausalLM): Checkpoint {
  return {
    config: model.config,
    tensors: new Map(model.parameters().map((p) => [p.name, { shape: p.shape, data: p.data }])),
  };
}

/** Write `model` as an HF folder (model.safetensors, config.json, generation_config.json, tokenizer files). */
export function saveHfFolder(model: CausalLM, dir: string, opts: SaveHfOptions = {}): void {
  writeHfFolder(dir, checkpointOf(model), opts);
}

export interface SaveGgufOptions extends GgufWriteOptions {
  /** HF folder whose byte-level BPE tokenizer.json becomes the GGUF vocabulary (when `metadata` has none) */
  tokenizerFolder?: string;
}

/**
 * Write `model` as a GGUF v3 file llama.cpp loads. The vocabulary comes from opts.metadata (e.g. the source
 * GGUF's raw metadata) or is built from opts.tokenizerFolder's tokenizer.json.
 */
export function saveGguf(model: CausalLM, path: string, opts: SaveGgufOptions = {}): void {
  let metadata = opts.metadata;
  if (opts.tokenizerFolder && !metadata?.has("tokenizer.ggml.tokens")) {
    metadata = new Map([...(metadata ?? []), ...ggufTokenizerFromHf(opts.tokenizerFolder, model.config)]);
  }
  writeGguf(path, checkpointOf(model), { ...opts, metadata });
}
