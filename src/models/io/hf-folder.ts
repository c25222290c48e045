// Hugging Face model folders: load (config.json + model.safetensors or a sharded index) and save
// (model.safetensors, config.json, generation_config.json, tokenizer files) as transformers'
// save_pretrained lays them out (tied => no lm_head.weight). Not the config mapping (hf-config.ts).
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ModelError } from "../../util/errors.js";
import { type Checkpoint, checkCheckpoint, parameterShapes, type Tensor } from "../checkpoint.js";
import { writeFileAtomic } from "./atomic.js";
import { permuteRopeRows } from "./gguf-names.js";
import { configFromHf, configToHf } from "./hf-config.js";
import { readSafetensors, type SafetensorsDtype, writeSafetensors } from "./safetensors.js";

/** Files a tokenizer or chat template may live in; copied by saveHfFolder, listed by loadHfFolder. */
export const tokenizerFileNames = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "tokenizer.model",
  "vocab.json",
  "merges.txt",
  "added_tokens.json",
  "chat_template.json",
  "chat_template.jinja",
];

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ModelError(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new ModelError(`${path}: not a JSON object (${(e as Error).message})`, { cause: e });
  }
}

export interface HfFolder {
  checkpoint: Checkpoint;
  /** absolute paths of the tokenizer files present in the folder */
  tokenizerFiles: string[];
  /** parsed generation_config.json, or null */
  generationConfig: Record<string, unknown> | null;
}

export function loadHfFolder(dir: string): HfFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelError(`${dir}: not a model folder`);
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath)) {
    throw new ModelError(`${dir}: config.json is missing`, { hint: "expected a Hugging Face model folder" });
  }
  const config = configFromHf(readJson(cfgPath), cfgPath);
  const genPath = join(dir, "generation_config.json");
  const generationConfig = existsSync(genPath) ? readJson(genPath) : null;
  if (generationConfig) {
    // chat models list their end-of-turn tokens here (e.g. Llama 3: [128001, 128009])
    const extra = generationConfig.eos_token_id;
    const more = typeof extra === "number" ? [extra] : Array.isArray(extra) ? extra : [];
    for (const id of more)
      if (typeof id === "number" && !config.eosTokenIds.includes(id)) config.eosTokenIds.push(id);
  }
  const names = new Set(parameterShapes(config).map(([n]) => n));
  const want = (n: string) => names.has(n);
  const tensors = new Map<string, Tensor>();
  const single = join(dir, "model.safetensors");
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(single)) {
    for (const [k, v] of readSafetensors(single, want).tensors) tensors.set(k, v);
  } else if (existsSync(index)) {
    const map = readJson(index).weight_map as Record<string, string> | undefined;
    if (!map || typeof map !== "object") throw new ModelError(`${index}: weight_map is missing`);
    for (const file of new Set(Object.values(map))) {
      for (const [k, v] of readSafetensors(join(dir, file), want).tensors) tensors.set(k, v);
    }
  } else {
    const hasBin = existsSync(join(dir, "pytorch_model.bin"));
    throw new ModelError(`${dir}: no model.safetensors or model.safetensors.index.json`, {
      hint: hasBin
        ? "pytorch_model.bin is not supported; convert it to safetensors"
        : "is the download complete?",
    });
  }
  const checkpoint = { config, tensors };
  checkCheckpoint(checkpoint, dir);
  const tokenizerFiles = tokenizerFileNames.map((f) => join(dir, f)).filter((p) => existsSync(p));
  return { checkpoint, tokenizerFiles, generationConfig };
}

export interface SaveHfOptions {
  /** weight dtype in model.safetensors; default F32 (bit-exact round trip) */
  dtype?: SafetensorsDtype;
  /** tokenizer/chat-template files to copy into the folder (by base name) */
  tokenizerFiles?: string[];
  /** extra generation_config.json fields (bos/eos come from the config) */
  generationConfig?: Record<string, unknown>;
}

/** HF tensors of a checkpoint: q/k rows in the half-split RoPE layout transformers uses. */
export function hfTensors(ck: Checkpoint): Map<string, Tensor> {
  const c = ck.config;
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(c)) {
    const t = ck.tensors.get(name);
    if (!t) throw new ModelError(`cannot save: tensor ${name} is missing`);
    const qk = /self_attn\.([qk])_proj\.(weight|bias)$/.exec(name);
    if (qk && c.ropeLayout === "interleaved") {
      const heads = qk[1] === "q" ? c.numHeads : c.numKvHeads;
      out.set(name, {
        shape,
        data: permuteRopeRows(t.data, heads, c.headDim, shape.length === 2 ? shape[1] : 1, "half"),
      });
    } else out.set(name, { shape, data: t.data });
  }
  return out;
}

export function saveHfFolder(dir: string, ck: Checkpoint, opts: SaveHfOptions = {}): void {
  const dtype = opts.dtype ?? "F32";
  const torchDtype = { F32: "float32", F16: "float16", BF16: "bfloat16" }[dtype];
  const hfConfig = configToHf(ck.config, torchDtype);
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, "model.safetensors"), hfTensors(ck), dtype);
  const json = (v: unknown) => [Buffer.from(`${JSON.stringify(v, null, 2)}\n`, "utf8")];
  writeFileAtomic(join(dir, "config.json"), json(hfConfig));
  const gen: Record<string, unknown> = {
    _from_model_config: true,
    bos_token_id: hfConfig.bos_token_id,
    eos_token_id: hfConfig.eos_token_id,
    ...opts.generationConfig,
    transformers_version: "4.40.0",
  };
  writeFileAtomic(join(dir, "generation_config.json"), json(gen));
  for (const f of opts.tokenizerFiles ?? []) {
    const dst = join(dir, basename(f));
    if (resolve(dst) === resolve(f)) continue;
    writeFileAtomic(dst, [readFileSync(f)]);
  }
}
