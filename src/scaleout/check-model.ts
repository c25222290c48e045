// Checks the model folder an external trainer produced before the loop uses it: config.json names an
// architecture (the starting model's, when that is a local folder), a tokenizer is present, and the
// safetensors headers (single file or sharded index) hold every tensor the config implies, with its shape
// (src/models' parameterShapes for Llama-family configs; else the starting model's own tensors). Reads
// headers only, never the weights.
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { configFromHf, parameterShapes, tokenizerFileNames } from "../models/index.js";
import { ModelError } from "../util/errors.js";

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Json;
  } catch (e) {
    throw new ModelError(`${path}: not readable JSON (${(e as Error).message})`);
  }
  throw new ModelError(`${path}: expected a JSON object`);
}

/** name -> shape from one safetensors file's header. */
export function safetensorsShapes(path: string): Map<string, number[]> {
  const fd = openSync(path, "r");
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) !== 8) throw new ModelError(`${path}: truncated safetensors file`);
    const n = Number(len.readBigUInt64LE(0));
    if (n <= 0 || n > 100_000_000) throw new ModelError(`${path}: bad safetensors header length ${n}`);
    const buf = Buffer.alloc(n);
    if (readSync(fd, buf, 0, n, 8) !== n) throw new ModelError(`${path}: truncated safetensors header`);
    const header = JSON.parse(buf.toString("utf8")) as Record<string, { shape?: number[] }>;
    const out = new Map<string, number[]>();
    for (const [name, e] of Object.entries(header)) if (name !== "__metadata__") out.set(name, e.shape ?? []);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Tensor shapes of an HF folder (model.safetensors or model.safetensors.index.json), or null if none. */
export function folderShapes(dir: string): Map<string, number[]> | null {
  const single = join(dir, "model.safetensors");
  if (existsSync(single)) return safetensorsShapes(single);
  const index = join(dir, "model.safetensors.index.json");
  if (!existsSync(index)) return null;
  const map = readJson(index).weight_map;
  if (typeof map !== "object" || map === null) throw new ModelError(`${index}: no weight_map`);
  const out = new Map<string, number[]>();
  for (const shard of new Set(Object.values(map as Record<string, string>))) {
    const p = join(dir, shard);
    if (!existsSync(p)) throw new ModelError(`${index}: shard ${shard} is missing`);
    for (const [k, v] of safetensorsShapes(p)) out.set(k, v);
  }
  return out;
}

export interface CheckedModel {
  architecture: string;
  tensors: number;
  tokenizer: string[];
}

/** Throws a ModelError naming the folder and the first problem; `start` is the starting model (folder or id). */
export function checkTrainedModel(dir: string, start: string): CheckedModel {
  const what = `${dir} (external trainer output)`;
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath))
    throw new ModelError(`${what}: no config.json`, {
      hint: "the job ended without saving the final model; see the launch log",
    });
  const cfg = readJson(cfgPath);
  const archs = cfg.architectures;
  if (!Array.isArray(archs) || typeof archs[0] !== "string")
    throw new ModelError(`${cfgPath}: architectures: expected a list of class names`);
  const startCfgPath = join(start, "config.json");
  const startCfg = existsSync(startCfgPath) ? readJson(startCfgPath) : null;
  if (startCfg && JSON.stringify(startCfg.architectures) !== JSON.stringify(archs))
    throw new ModelError(
      `${cfgPath}: architectures ${JSON.stringify(archs)} differ from the starting model's ${JSON.stringify(startCfg.architectures)}`,
    );
  const tokenizer = tokenizerFileNames.filter((f) => existsSync(join(dir, f)));
  if (!tokenizer.includes("tokenizer.json") && !tokenizer.includes("tokenizer.model"))
    throw new ModelError(`${what}: no tokenizer.json or tokenizer.model`, {
      hint: "the trainer must save the tokenizer with the model (TRL's save_model does)",
    });
  const shapes = folderShapes(dir);
  if (shapes === null || shapes.size === 0)
    throw new ModelError(`${what}: no model.safetensors or model.safetensors.index.json`);
  let expected: Array<[string, number[]]>;
  try {
    expected = parameterShapes(configFromHf(cfg, cfgPath));
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    const startShapes = existsSync(start) ? folderShapes(start) : null;
    expected = startShapes ? [...startShapes] : [];
  }
  for (const [name, shape] of expected) {
    const got = shapes.get(name);
    if (got === undefined) throw new ModelError(`${what}: tensor ${name} is missing`);
    if (got.join(",") !== shape.join(","))
      throw new ModelError(`${what}: tensor ${name} has shape [${got}], expected [${shape}]`);
  }
  return { architecture: archs[0], tensors: shapes.size, tokenizer };
}
