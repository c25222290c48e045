// An in-memory checkpoint: a LlamaConfig plus f32 tensors under Hugging Face names, and the table of
// names and shapes a Llama/Mistral/Qwen2 model of that config has (HF `named_parameters()` order).
// Not a file format: the io/ readers and writers convert files to and from this.
import { ModelError } from "../util/errors.js";
import type { LlamaConfig } from "./causal-lm.js";

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  config: LlamaConfig;
  /** HF names -> tensors; tied models have no lm_head.weight */
  tensors: Map<string, Tensor>;
}

/** Every parameter of a model with this config, in HF order; lm_head only when untied. */
export function parameterShapes(c: LlamaConfig): [string, number[]][] {
  const C = c.hiddenSize;
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  const out: [string, number[]][] = [["model.embed_tokens.weight", [c.vocabSize, C]]];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    out.push([`${p}self_attn.q_proj.weight`, [qd, C]]);
    if (c.attentionBias) out.push([`${p}self_attn.q_proj.bias`, [qd]]);
    out.push([`${p}self_attn.k_proj.weight`, [kvd, C]]);
    if (c.attentionBias) out.push([`${p}self_attn.k_proj.bias`, [kvd]]);
    out.push([`${p}self_attn.v_proj.weight`, [kvd, C]]);
    if (c.attentionBias) out.push([`${p}self_attn.v_proj.bias`, [kvd]]);
    out.push([`${p}self_attn.o_proj.weight`, [C, qd]]);
    out.push([`${p}mlp.gate_proj.weight`, [c.intermediateSize, C]]);
    out.push([`${p}mlp.up_proj.weight`, [c.intermediateSize, C]]);
    out.push([`${p}mlp.down_proj.weight`, [C, c.intermediateSize]]);
    out.push([`${p}input_layernorm.weight`, [C]]);
    out.push([`${p}post_attention_layernorm.weight`, [C]]);
  }
  out.push(["model.norm.weight", [C]]);
  if (!c.tieWordEmbeddings) out.push(["lm_head.weight", [c.vocabSize, C]]);
  return out;
}

/** Throws a ModelError naming the first missing or mis-shaped tensor; ignores extra tensors it lists in `extra`. */
export function checkCheckpoint(ck: Checkpoint, source: string): void {
  checkConfig(ck.config, source);
  for (const [name, shape] of parameterShapes(ck.config)) {
    const t = ck.tensors.get(name);
    if (!t)
      throw new ModelError(`${source}: tensor ${name} is missing`, { hint: "is the checkpoint complete?" });
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelError(
        `${source}: tensor ${name} has shape [${t.shape}], expected [${shape}] from the config`,
      );
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new ModelError(`${source}: tensor ${name} holds ${t.data.length} values for shape [${shape}]`);
    }
  }
}

export function checkConfig(c: LlamaConfig, source: string): void {
  const positive: (keyof LlamaConfig)[] = [
    "vocabSize",
    "hiddenSize",
    "intermediateSize",
    "numLayers",
    "numHeads",
    "numKvHeads",
    "headDim",
  ];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new ModelError(`${source}: config ${k} = ${String(v)}, expected a positive integer`);
    }
  }
  if (c.numHeads % c.numKvHeads !== 0) {
    throw new ModelError(
      `${source}: ${c.numHeads} attention heads are not a multiple of ${c.numKvHeads} KV heads`,
    );
  }
  if (c.headDim % 2 !== 0) throw new ModelError(`${source}: head dim ${c.headDim} must be even for RoPE`);
  if (!(c.rmsNormEps > 0)) throw new ModelError(`${source}: rms_norm_eps ${c.rmsNormEps} must be positive`);
  if (!(c.ropeTheta > 0)) throw new ModelError(`${source}: rope_theta ${c.ropeTheta} must be positive`);
}
