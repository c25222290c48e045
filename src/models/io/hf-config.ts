// Hugging Face config.json <-> LlamaConfig for LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM.
// Not the weights (hf-folder.ts). Field names and defaults follow transformers' configuration_{llama,mistral,qwen2}.py.
import { ModelError } from "../../util/errors.js";
import type { LlamaConfig } from "../causal-lm.js";

type Json = Record<string, unknown>;

const architectures: Record<string, string> = {
  llama: "LlamaForCausalLM",
  mistral: "MistralForCausalLM",
  qwen2: "Qwen2ForCausalLM",
};

function int(cfg: Json, key: string, src: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new ModelError(`${src}: field ${key} = ${JSON.stringify(v)}, expected a positive integer`);
  }
  return v;
}

function num(cfg: Json, key: string, src: string, fallback: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new ModelError(`${src}: field ${key} is not a number`);
  return v;
}

function ids(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === "number");
  return [];
}

/** LlamaConfig of a parsed config.json (`src` names the file in errors). */
export function configFromHf(cfg: Json, src: string): LlamaConfig {
  const modelType = String(cfg.model_type ?? "");
  if (!(modelType in architectures)) {
    throw new ModelError(`${src}: model_type "${modelType}" is not supported`, {
      hint: "supported: llama, mistral, qwen2 (Llama-family decoders)",
    });
  }
  const act = cfg.hidden_act ?? "silu";
  if (act !== "silu")
    throw new ModelError(`${src}: hidden_act "${String(act)}" is not supported (expected silu)`);
  if (cfg.mlp_bias === true) throw new ModelError(`${src}: mlp_bias = true is not supported`);
  if (modelType === "qwen2" && cfg.use_sliding_window === true) {
    throw new ModelError(`${src}: use_sliding_window = true is not supported`);
  }
  const hidden = int(cfg, "hidden_size", src);
  const heads = int(cfg, "num_attention_heads", src);
  const headDim = cfg.head_dim == null ? hidden / heads : int(cfg, "head_dim", src);
  if (!Number.isInteger(headDim))
    throw new ModelError(`${src}: hidden_size ${hidden} is not a multiple of ${heads} heads`);
  let ropeScaling: LlamaConfig["ropeScaling"] = null;
  const rs = cfg.rope_scaling as Json | null | undefined;
  if (rs) {
    const type = rs.rope_type ?? rs.type;
    if (type === "default") ropeScaling = null;
    else if (type === "llama3") {
      ropeScaling = {
        factor: num(rs, "factor", `${src} rope_scaling`, Number.NaN),
        lowFreqFactor: num(rs, "low_freq_factor", `${src} rope_scaling`, Number.NaN),
        highFreqFactor: num(rs, "high_freq_factor", `${src} rope_scaling`, Number.NaN),
        originalMaxPositionEmbeddings: int(rs, "original_max_position_embeddings", `${src} rope_scaling`),
      };
    } else {
      throw new ModelError(`${src}: rope_scaling type "${String(type)}" is not supported`, {
        hint: "supported: llama3",
      });
    }
  }
  const bos = cfg.bos_token_id;
  return {
    modelType,
    vocabSize: int(cfg, "vocab_size", src),
    hiddenSize: hidden,
    intermediateSize: int(cfg, "intermediate_size", src),
    numLayers: int(cfg, "num_hidden_layers", src),
    numHeads: heads,
    numKvHeads: int(cfg, "num_key_value_heads", src, heads),
    headDim,
    rmsNormEps: num(cfg, "rms_norm_eps", src, 1e-6),
    ropeTheta: num(cfg, "rope_theta", src, 10000),
    ropeLayout: "half",
    ropeScaling,
    maxPositionEmbeddings: int(cfg, "max_position_embeddings", src, 2048),
    // LlamaConfig, MistralConfig and Qwen2Config all default tie_word_embeddings to false
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    attentionBias: modelType === "qwen2" || cfg.attention_bias === true,
    bosTokenId: typeof bos === "number" ? bos : null,
    eosTokenIds: ids(cfg.eos_token_id),
  };
}

/** config.json contents transformers (>= 4.40) and vLLM load as the same architecture. */
export function configToHf(c: LlamaConfig, torchDtype: string): Json {
  const arch = architectures[c.modelType];
  if (!arch) throw new ModelError(`cannot save model_type "${c.modelType}" as a Hugging Face config`);
  if (c.modelType === "qwen2" && !c.attentionBias) {
    throw new ModelError("a qwen2 model without q/k/v biases cannot be saved as Qwen2ForCausalLM");
  }
  if (c.modelType === "mistral" && c.attentionBias) {
    throw new ModelError("a mistral model with q/k/v biases cannot be saved as MistralForCausalLM");
  }
  const out: Json = {
    architectures: [arch],
    attention_dropout: 0.0,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : c.eosTokenIds.length ? c.eosTokenIds : null,
    hidden_act: "silu",
    hidden_size: c.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    model_type: c.modelType,
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    num_key_value_heads: c.numKvHeads,
    rms_norm_eps: c.rmsNormEps,
    rope_scaling: c.ropeScaling
      ? {
          factor: c.ropeScaling.factor,
          high_freq_factor: c.ropeScaling.highFreqFactor,
          low_freq_factor: c.ropeScaling.lowFreqFactor,
          original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
          rope_type: "llama3",
        }
      : null,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: torchDtype,
    transformers_version: "4.40.0",
    use_cache: true,
    vocab_size: c.vocabSize,
  };
  if (c.headDim * c.numHeads !== c.hiddenSize) out.head_dim = c.headDim;
  if (c.modelType === "llama") {
    out.attention_bias = c.attentionBias;
    out.mlp_bias = false;
    out.pretraining_tp = 1;
  }
  if (c.modelType === "mistral") out.sliding_window = null;
  if (c.modelType === "qwen2") {
    out.use_sliding_window = false;
    out.sliding_window = c.maxPositionEmbeddings;
    out.max_window_layers = c.numLayers;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
