// GGUF file -> Checkpoint (LlamaConfig from `<arch>.*` metadata, tensors renamed to HF names) and the
// tokenizer.ggml.* metadata the text layer builds its SentencePiece/BPE tokenizer from.
// Not the byte parser (gguf-read.ts). Key names follow llama.cpp's gguf-py constants (LLM_KV_*).
import { ModelError } from "../../util/errors.js";
import type { LlamaConfig } from "../causal-lm.js";
import { type Checkpoint, checkCheckpoint, type Tensor } from "../checkpoint.js";
import { ggufToHfName } from "./gguf-names.js";
import {
  type GgufFile,
  type GgufMetadata,
  ggufNumber,
  ggufString,
  readGgufHeader,
  readGgufTensors,
} from "./gguf-read.js";

/** The tokenizer part of a GGUF file, as llama.cpp stores it (arrays indexed by token id). */
export interface GgufTokenizerMetadata {
  /** tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), ... */
  model: string;
  /** tokenizer.ggml.pre (pre-tokenizer name for gpt2-style vocabularies), if present */
  pre: string | null;
  tokens: string[];
  scores: number[] | null;
  /** 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte */
  tokenTypes: number[] | null;
  merges: string[] | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  unknownTokenId: number | null;
  paddingTokenId: number | null;
  addBosToken: boolean | null;
  addEosToken: boolean | null;
  chatTemplate: string | null;
}

const supported = new Set(["llama", "qwen2", "mistral"]);

export function ggufConfig(file: GgufFile): LlamaConfig {
  const m = file.metadata;
  const p = file.path;
  const arch = ggufString(m, "general.architecture");
  if (!arch || !supported.has(arch)) {
    throw new ModelError(`${p}: GGUF architecture "${arch ?? "(none)"}" is not supported`, {
      hint: "supported: llama, mistral, qwen2",
    });
  }
  const embd = file.tensors.find((t) => t.name === "token_embd.weight");
  if (!embd) throw new ModelError(`${p}: tensor token_embd.weight is missing`);
  const hidden = ggufNumber(m, `${arch}.embedding_length`, p);
  const heads = ggufNumber(m, `${arch}.attention.head_count`, p);
  const headDim = ggufNumber(m, `${arch}.attention.key_length`, p, hidden / heads);
  const ropeDim = ggufNumber(m, `${arch}.rope.dimension_count`, p, headDim);
  if (ropeDim !== headDim) {
    throw new ModelError(
      `${p}: partial rotary embeddings (rope.dimension_count ${ropeDim} < head dim ${headDim})`,
    );
  }
  const scaling = ggufString(m, `${arch}.rope.scaling.type`);
  if (scaling && scaling !== "none") {
    throw new ModelError(`${p}: RoPE scaling "${scaling}" in GGUF files is not supported`);
  }
  if (file.tensors.some((t) => t.name === "rope_freqs.weight")) {
    throw new ModelError(
      `${p}: per-frequency RoPE factors (rope_freqs.weight, Llama 3.1 scaling) in GGUF are not supported`,
      {
        hint: "load the Hugging Face folder of this model instead",
      },
    );
  }
  // the model's vocabulary is the embedding's row count (llama.cpp files may pad it past the token list)
  const vocab = embd.ne[1];
  const bos = tokenId(m, "tokenizer.ggml.bos_token_id");
  const eosIds = [
    tokenId(m, "tokenizer.ggml.eos_token_id"),
    tokenId(m, "tokenizer.ggml.eot_token_id"),
  ].filter((e): e is number => e !== null);
  return {
    modelType: arch,
    vocabSize: vocab,
    hiddenSize: hidden,
    intermediateSize: ggufNumber(m, `${arch}.feed_forward_length`, p),
    numLayers: ggufNumber(m, `${arch}.block_count`, p),
    numHeads: heads,
    numKvHeads: ggufNumber(m, `${arch}.attention.head_count_kv`, p, heads),
    headDim,
    rmsNormEps: ggufNumber(m, `${arch}.attention.layer_norm_rms_epsilon`, p),
    ropeTheta: ggufNumber(m, `${arch}.rope.freq_base`, p, 10000),
    // llama.cpp runs Llama with interleaved pairs (its converter permutes HF q/k) and Qwen2 with NeoX halves
    ropeLayout: arch === "qwen2" ? "half" : "interleaved",
    ropeScaling: null,
    maxPositionEmbeddings: ggufNumber(m, `${arch}.context_length`, p, 2048),
    tieWordEmbeddings: !file.tensors.some((t) => t.name === "output.weight"),
    attentionBias: file.tensors.some((t) => t.name === "blk.0.attn_q.bias"),
    bosTokenId: bos,
    eosTokenIds: [...new Set(eosIds)],
  };
}

/** Load a GGUF file as a Checkpoint (HF names, llama.cpp's RoPE layout kept; see ggufConfig). */
export function readGgufCheckpoint(path: string): { checkpoint: Checkpoint; file: GgufFile } {
  const file = readGgufHeader(path);
  const config = ggufConfig(file);
  const raw = readGgufTensors(file, (n) => ggufToHfName(n) !== null);
  const tensors = new Map<string, Tensor>();
  for (const info of file.tensors) {
    const hf = ggufToHfName(info.name);
    const data = raw.get(info.name);
    if (hf === null || !data) continue;
    tensors.set(hf, { shape: [...info.ne].reverse(), data });
  }
  // some converters (llama2.c's, as in stories260K) store a tied output matrix twice; keep one copy
  const out = tensors.get("lm_head.weight");
  const emb = tensors.get("model.embed_tokens.weight");
  if (out && emb && sameBits(out.data, emb.data)) {
    tensors.delete("lm_head.weight");
    config.tieWordEmbeddings = true;
  }
  const checkpoint = { config, tensors };
  checkCheckpoint(checkpoint, path);
  return { checkpoint, file };
}

/** A token id entry; llama.cpp writes 0xFFFFFFFF (-1 as u32) for "none". */
function tokenId(m: GgufMetadata, key: string): number | null {
  const v = m.get(key)?.value;
  return typeof v === "number" && v >= 0 && v < 0x7fffffff ? v : null;
}

function arr<T>(m: GgufMetadata, key: string, ok: (v: unknown) => v is T): T[] | null {
  const e = m.get(key);
  if (!e || !Array.isArray(e.value)) return null;
  return e.value.every(ok) ? (e.value as T[]) : null;
}
const isNum = (v: unknown): v is number => typeof v === "number";
const isStr = (v: unknown): v is string => typeof v === "string";

export function ggufTokenizerMetadata(file: GgufFile): GgufTokenizerMetadata | null {
  const m = file.metadata;
  const tokens = arr(m, "tokenizer.ggml.tokens", isStr);
  const model = ggufString(m, "tokenizer.ggml.model");
  if (!tokens || !model) return null;
  const num = (k: string): number | null => tokenId(m, k);
  const bool = (k: string): boolean | null => {
    const v = m.get(k)?.value;
    return typeof v === "boolean" ? v : null;
  };
  return {
    model,
    pre: ggufString(m, "tokenizer.ggml.pre") ?? null,
    tokens,
    scores: arr(m, "tokenizer.ggml.scores", isNum),
    tokenTypes: arr(m, "tokenizer.ggml.token_type", isNum),
    merges: arr(m, "tokenizer.ggml.merges", isStr),
    bosTokenId: num("tokenizer.ggml.bos_token_id"),
    eosTokenId: num("tokenizer.ggml.eos_token_id"),
    unknownTokenId: num("tokenizer.ggml.unknown_token_id"),
    paddingTokenId: num("tokenizer.ggml.padding_token_id"),
    addBosToken: bool("tokenizer.ggml.add_bos_token"),
    addEosToken: bool("tokenizer.ggml.add_eos_token"),
    chatTemplate: ggufString(m, "tokenizer.chat_template") ?? null,
  };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
