// Loads a DeBERTa-v2/v3 Hugging Face folder: config.json plus model.safetensors (or a sharded index) or
// pytorch_model.bin (torch.save zip, read by io/torch-pickle.ts without Python).
// Not the heads: PairRM and the classifier pick their own tensors from `tensors`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ModelError } from "../../util/errors.js";
import type { Tensor } from "../checkpoint.js";
import { readSafetensors } from "../io/safetensors.js";
import { readTorchStateDict } from "../io/torch-pickle.js";
import { type DebertaConfig, debertaConfigFromHf } from "./config.js";

/** microsoft/deberta-v3-large's config.json (the backbone of PairRM and OpenAssistant's reward model). */
export const debertaV3Large: Record<string, unknown> = {
  model_type: "deberta-v2",
  vocab_size: 128100,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  intermediate_size: 4096,
  hidden_act: "gelu",
  max_position_embeddings: 512,
  type_vocab_size: 0,
  layer_norm_eps: 1e-7,
  relative_attention: true,
  max_relative_positions: -1,
  position_buckets: 256,
  pad_token_id: 0,
  position_biased_input: false,
  pos_att_type: "p2c|c2p",
  norm_rel_ebd: "layer_norm",
  share_att_key: true,
};

export interface DebertaFolder {
  config: DebertaConfig;
  tensors: Map<string, Tensor>;
  /** the weights file that was read */
  weightsFile: string;
}

/** Reads config.json and the weights (model.safetensors preferred, else pytorch_model.bin). */
export function loadDebertaFolder(dir: string): DebertaFolder {
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath)) {
    throw new ModelError(`${cfgPath}: missing; expected a Hugging Face DeBERTa folder`, {
      hint: "download it with `huggingface-cli download llm-blender/PairRM --local-dir <folder>`",
    });
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new ModelError(`${cfgPath}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  // llm-blender/PairRM ships its ranker config (model_name: microsoft/deberta-v3-large) instead of an HF one
  if (raw.model_type !== "deberta-v2" && String(raw.model_name ?? "").includes("deberta-v3-large")) {
    raw = { ...debertaV3Large, ...raw, model_type: "deberta-v2" };
  }
  const config = debertaConfigFromHf(raw, cfgPath);
  return { config, ...loadWeights(dir) };
}

/** The weights of an HF folder as f32 tensors under their stored names. */
export function loadWeights(dir: string): { tensors: Map<string, Tensor>; weightsFile: string } {
  const st = join(dir, "model.safetensors");
  if (existsSync(st)) return { tensors: readSafetensors(st).tensors, weightsFile: st };
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(index)) {
    // sharded (e.g. 8B classifier reward models): every shard the weight map names
    let map: unknown;
    try {
      map = (JSON.parse(readFileSync(index, "utf8")) as { weight_map?: unknown }).weight_map;
    } catch (e) {
      throw new ModelError(`${index}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
    if (!map || typeof map !== "object") throw new ModelError(`${index}: weight_map is missing`);
    const tensors = new Map<string, Tensor>();
    for (const file of new Set(Object.values(map as Record<string, string>))) {
      for (const [k, v] of readSafetensors(join(dir, file)).tensors) tensors.set(k, v);
    }
    return { tensors, weightsFile: index };
  }
  const bin = join(dir, "pytorch_model.bin");
  if (existsSync(bin)) return { tensors: readTorchStateDict(bin), weightsFile: bin };
  throw new ModelError(`${dir}: neither model.safetensors nor pytorch_model.bin is present`, {
    hint: "large files may still be Git LFS pointers: run `git lfs pull` in the folder",
  });
}
