// DeBERTa-v2/v3 configuration read from a Hugging Face config.json (DebertaV2Config field names), with the
// checks that keep the encoder honest: only what deberta/encoder.ts implements is accepted.
// Not the weights (load.ts). Follows transformers' configuration_deberta_v2.py defaults.
import { ModelError } from "../../util/errors.js";

export interface DebertaConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  layerNormEps: number;
  /** false for v3: no absolute position embeddings are added to the input */
  positionBiasedInput: boolean;
  maxPositionEmbeddings: number;
  /** resolved: max_relative_positions < 1 means max_position_embeddings */
  maxRelativePositions: number;
  /** log buckets when > 0 (256 in v3) */
  positionBuckets: number;
  c2p: boolean;
  p2c: boolean;
  shareAttKey: boolean;
  /** LayerNorm over the relative embeddings (v3: "layer_norm") */
  normRelEmbedding: boolean;
  typeVocabSize: number;
  padTokenId: number;
  /** DebertaV2ForSequenceClassification's ContextPooler */
  poolerHiddenSize: number;
  poolerHiddenAct: string;
  numLabels: number;
  /** the raw config.json, for model-specific fields (PairRM's marker ids) */
  raw: Record<string, unknown>;
}

function num(raw: Record<string, unknown>, key: string, dflt: number | undefined, src: string): number {
  const v = raw[key] ?? dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ModelError(`${src}: field "${key}" must be a number, got ${JSON.stringify(raw[key])}`);
  }
  return v;
}

export function debertaConfigFromHf(raw: Record<string, unknown>, src = "config.json"): DebertaConfig {
  const type = raw.model_type;
  if (type !== "deberta-v2") {
    throw new ModelError(`${src}: model_type ${JSON.stringify(type)} is not "deberta-v2"`, {
      hint: "DeBERTa-v3 checkpoints (PairRM, OpenAssistant reward models) use model_type deberta-v2",
    });
  }
  const posAtt = raw.pos_att_type ?? [];
  const posTypes = Array.isArray(posAtt)
    ? posAtt.map(String)
    : String(posAtt)
        .toLowerCase()
        .split("|")
        .map((s) => s.trim());
  const act = raw.hidden_act ?? "gelu";
  if (act !== "gelu")
    throw new ModelError(`${src}: hidden_act ${JSON.stringify(act)} unsupported (gelu only)`);
  if (raw.relative_attention !== true) {
    throw new ModelError(
      `${src}: relative_attention must be true (DeBERTa-v2/v3); got ${raw.relative_attention}`,
    );
  }
  const hidden = num(raw, "hidden_size", undefined, src);
  if (num(raw, "embedding_size", hidden, src) !== hidden) {
    throw new ModelError(`${src}: embedding_size != hidden_size (embed_proj) is not supported`);
  }
  if (num(raw, "conv_kernel_size", 0, src) > 0) {
    throw new ModelError(`${src}: conv_kernel_size > 0 (DeBERTa-v2 xlarge conv layer) is not supported`);
  }
  if (raw.attention_head_size !== undefined) {
    throw new ModelError(`${src}: a custom attention_head_size is not supported`);
  }
  const maxPos = num(raw, "max_position_embeddings", 512, src);
  const maxRel = num(raw, "max_relative_positions", -1, src);
  const heads = num(raw, "num_attention_heads", undefined, src);
  if (hidden % heads !== 0)
    throw new ModelError(`${src}: hidden_size ${hidden} is not a multiple of ${heads} heads`);
  const norm = String(raw.norm_rel_ebd ?? "none")
    .toLowerCase()
    .split("|")
    .map((s) => s.trim());
  return {
    vocabSize: num(raw, "vocab_size", undefined, src),
    hiddenSize: hidden,
    numLayers: num(raw, "num_hidden_layers", undefined, src),
    numHeads: heads,
    intermediateSize: num(raw, "intermediate_size", undefined, src),
    layerNormEps: num(raw, "layer_norm_eps", 1e-7, src),
    positionBiasedInput: raw.position_biased_input !== false,
    maxPositionEmbeddings: maxPos,
    maxRelativePositions: maxRel < 1 ? maxPos : maxRel,
    positionBuckets: num(raw, "position_buckets", -1, src),
    c2p: posTypes.includes("c2p"),
    p2c: posTypes.includes("p2c"),
    shareAttKey: raw.share_att_key === true,
    normRelEmbedding: norm.includes("layer_norm"),
    typeVocabSize: num(raw, "type_vocab_size", 0, src),
    padTokenId: num(raw, "pad_token_id", 0, src),
    poolerHiddenSize: num(raw, "pooler_hidden_size", hidden, src),
    poolerHiddenAct: String(raw.pooler_hidden_act ?? "gelu"),
    numLabels: num(raw, "num_labels", Array.isArray(raw.id2label) ? raw.id2label.length : 2, src),
    raw,
  };
}
