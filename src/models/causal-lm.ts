// The seam between the model layer and its users (generation, DPO training, classifier heads).
// Implemented by the Llama-family model (src/models/llama/*); generation and training code
// against this interface only.

export interface LlamaConfig {
  /** "llama" | "mistral" | "qwen2" */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** HF half-split (safetensors checkpoints) or interleaved pairs (llama2.c-style GGUF) */
  ropeLayout: "half" | "interleaved";
  /** Llama-3 style rope scaling, or null */
  ropeScaling: {
    factor: number;
    lowFreqFactor: number;
    highFreqFactor: number;
    originalMaxPositionEmbeddings: number;
  } | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projection biases (Qwen2) */
  attentionBias: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** A named float32 parameter (HF names, e.g. "model.layers.0.self_attn.q_proj.weight"). */
export interface Parameter {
  name: string;
  shape: number[];
  data: Float32Array;
  /** gradient buffer, allocated on demand by the trainer */
  grad: Float32Array | null;
}

/** KV cache for `batch` independent rows, each up to `capacity` positions. */
export interface KVCache {
  readonly batch: number;
  readonly capacity: number;
  /** number of positions filled per row */
  readonly lengths: Int32Array;
}

/** A training batch: tokens [B, T] right-padded, attention mask [B, T] (1 = real). */
export interface TokenBatch {
  tokens: Int32Array;
  mask: Uint8Array;
  B: number;
  T: number;
}

export interface CausalLM {
  readonly config: LlamaConfig;
  parameters(): Parameter[];

  /** Logits [B, T, V] for a full (padded) batch; no state kept. */
  logits(batch: TokenBatch): Float32Array;

  /**
   * Per-token log-probs of each next token: out[B, T-1], out[b, t] = log p(tokens[b,t+1] | tokens[b,..t]),
   * taken only where lossMask[b, t+1] is 1 (else 0). When `train` is true the activations are kept
   * for `backward`.
   */
  tokenLogprobs(batch: TokenBatch, lossMask: Uint8Array, train: boolean): Float32Array;
  /** Backward from d(loss)/d(logprobs) [B, T-1] of the last training `tokenLogprobs` call; accumulates into Parameter.grad. */
  backward(dlogprobs: Float32Array): void;

  /** A KV cache of `batch` rows; a cache decodes with the weights as they were when it was created. */
  newCache(batch: number, capacity: number): KVCache;
  /** Copy row `from` of the cache into rows `to` (sharing a prompt's prefix between samples). */
  copyCacheRow(cache: KVCache, from: number, to: number[]): void;
  /**
   * Feed `T` new tokens for each of the rows in `rows` (tokens [rows.length, T]) at their current
   * cache positions; returns logits [rows.length, V] of each row's last new token.
   */
  decode(cache: KVCache, rows: number[], tokens: Int32Array, T: number): Float32Array;
}
