// tokenizer.ggml.* metadata for GGUF export, built from an HF folder's byte-level BPE tokenizer.json
// (GPT-2 style: Qwen2, Llama 3) and tokenizer_config.json, as llama.cpp's convert_hf_to_gguf.py writes it.
// Not a tokenizer (src/text). SentencePiece vocabularies need their scores from tokenizer.model: unsupported.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ModelError } from "../../util/errors.js";
import type { LlamaConfig } from "../causal-lm.js";
import { type GgufMetadata, GgufType } from "./gguf-read.js";

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (e) {
    throw new ModelError(`${path}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
}

function isByteLevel(tok: Json): boolean {
  const parts = [tok.pre_tokenizer, tok.decoder].filter(Boolean) as Json[];
  const types = parts.flatMap((p) => [
    p.type,
    ...((p.pretokenizers ?? p.decoders ?? []) as Json[]).map((x) => x.type),
  ]);
  return types.includes("ByteLevel");
}

/** The llama.cpp pre-tokenizer name for a byte-level BPE vocabulary of this model family. */
function preName(c: LlamaConfig): string {
  if (c.modelType === "qwen2") return "qwen2";
  if (c.vocabSize >= 128000) return "llama-bpe";
  return "default";
}

export function ggufTokenizerFromHf(folder: string, config: LlamaConfig): GgufMetadata {
  const path = join(folder, "tokenizer.json");
  if (!existsSync(path))
    throw new ModelError(`${folder}: tokenizer.json is missing; cannot build a GGUF vocabulary`);
  const tok = readJson(path);
  const model = (tok.model ?? {}) as Json;
  if (model.type !== "BPE" || !isByteLevel(tok)) {
    throw new ModelError(`${path}: only byte-level BPE vocabularies (GPT-2 style) can be exported to GGUF`, {
      hint: "for SentencePiece models pass the source GGUF's tokenizer metadata (saveGguf opts.metadata)",
    });
  }
  const vocab = (model.vocab ?? {}) as Record<string, number>;
  const added = (tok.added_tokens ?? []) as { id: number; content: string; special?: boolean }[];
  const n = config.vocabSize;
  const tokens: string[] = Array.from({ length: n }, (_, i) => `[PAD${i}]`);
  const types: number[] = new Array(n).fill(5); // unused until a token claims the id
  for (const [s, id] of Object.entries(vocab)) {
    if (id >= n) throw new ModelError(`${path}: token id ${id} is outside the model's vocabulary (${n})`);
    tokens[id] = s;
    types[id] = 1;
  }
  for (const a of added) {
    if (a.id >= n)
      throw new ModelError(`${path}: added token id ${a.id} is outside the model's vocabulary (${n})`);
    tokens[a.id] = a.content;
    types[a.id] = a.special ? 3 : 4;
  }
  const merges = ((model.merges ?? []) as (string | string[])[]).map((m) =>
    Array.isArray(m) ? m.join(" ") : m,
  );
  const meta: GgufMetadata = new Map();
  const str = (value: string) => ({ type: GgufType.STRING, value });
  const u32 = (value: number) => ({ type: GgufType.U32, value });
  meta.set("tokenizer.ggml.model", str("gpt2"));
  meta.set("tokenizer.ggml.pre", str(preName(config)));
  meta.set("tokenizer.ggml.tokens", { type: GgufType.ARRAY, itemType: GgufType.STRING, value: tokens });
  meta.set("tokenizer.ggml.token_type", { type: GgufType.ARRAY, itemType: GgufType.I32, value: types });
  meta.set("tokenizer.ggml.merges", { type: GgufType.ARRAY, itemType: GgufType.STRING, value: merges });
  const cfgPath = join(folder, "tokenizer_config.json");
  const tc = existsSync(cfgPath) ? readJson(cfgPath) : {};
  const idOf = (v: unknown): number | null => {
    const s = typeof v === "string" ? v : v && typeof v === "object" ? (v as Json).content : null;
    if (typeof s !== "string") return null;
    return added.find((a) => a.content === s)?.id ?? vocab[s] ?? null;
  };
  const bos = idOf(tc.bos_token) ?? config.bosTokenId;
  const eos = idOf(tc.eos_token) ?? config.eosTokenIds[0] ?? null;
  const pad = idOf(tc.pad_token);
  if (bos !== null) meta.set("tokenizer.ggml.bos_token_id", u32(bos));
  if (eos !== null) meta.set("tokenizer.ggml.eos_token_id", u32(eos));
  if (pad !== null) meta.set("tokenizer.ggml.padding_token_id", u32(pad));
  meta.set("tokenizer.ggml.add_bos_token", { type: GgufType.BOOL, value: tc.add_bos_token === true });
  if (typeof tc.chat_template === "string") meta.set("tokenizer.chat_template", str(tc.chat_template));
  return meta;
}
