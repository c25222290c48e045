// GGUF v3 writer (f32 or f16 tensors) for Llama-family checkpoints, in the layout llama.cpp loads:
// `<arch>.*` hyper-parameters, llama.cpp tensor names, Llama q/k rows in interleaved RoPE order.
// Not the reader (gguf-read.ts documents the byte format). Follows ggml/docs/gguf.md and convert_hf_to_gguf.py.
import { ModelError } from "../../util/errors.js";
import type { Checkpoint } from "../checkpoint.js";
import { parameterShapes } from "../checkpoint.js";
import { bytesOf, writeFileAtomic } from "./atomic.js";
import { hfToGgufName, permuteRopeRows } from "./gguf-names.js";
import {
  GGUF_SCALAR_BYTES,
  type GgufEntry,
  type GgufMetadata,
  GgufType,
  type GgufValue,
} from "./gguf-read.js";
import { f32ArrayToF16 } from "./numeric.js";

export interface GgufWriteOptions {
  /** tensor type of matrices; 1-D tensors (norms, biases) stay f32 as llama.cpp expects. Default f32. */
  dtype?: "f32" | "f16";
  /** extra metadata, e.g. the tokenizer.ggml.* entries of the source GGUF; config-derived keys win */
  metadata?: GgufMetadata;
  name?: string;
}

const ALIGN = 32;

class Bytes {
  private parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.byteLength;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.byteLength);
    this.push(b);
  }
  scalar(t: GgufType, v: GgufValue, key: string): void {
    if (t === GgufType.STRING) {
      if (typeof v !== "string") throw new ModelError(`GGUF metadata ${key}: expected a string`);
      this.str(v);
      return;
    }
    const b = Buffer.alloc(8);
    const n = Number(v);
    const bytes = GGUF_SCALAR_BYTES[t];
    if (bytes === undefined) throw new ModelError(`GGUF metadata ${key}: cannot write value type ${t}`);
    if (t === GgufType.U8) b.writeUInt8(n);
    else if (t === GgufType.BOOL) b.writeUInt8(v ? 1 : 0);
    else if (t === GgufType.I8) b.writeInt8(n);
    else if (t === GgufType.U16) b.writeUInt16LE(n);
    else if (t === GgufType.I16) b.writeInt16LE(n);
    else if (t === GgufType.U32) b.writeUInt32LE(n);
    else if (t === GgufType.I32) b.writeInt32LE(n);
    else if (t === GgufType.F32) b.writeFloatLE(n);
    else if (t === GgufType.U64) b.writeBigUInt64LE(BigInt(v as number | bigint));
    else if (t === GgufType.I64) b.writeBigInt64LE(BigInt(v as number | bigint));
    else b.writeDoubleLE(n);
    this.push(b.subarray(0, bytes));
  }
  pad(align: number): void {
    const n = (align - (this.length % align)) % align;
    if (n) this.push(new Uint8Array(n));
  }
  chunks(): Uint8Array[] {
    return this.parts;
  }
}

/** The RoPE layout llama.cpp applies for an architecture (LLAMA_ROPE_TYPE_NORM vs NEOX). */
export function ggufRopeLayout(modelType: string): "half" | "interleaved" {
  return modelType === "qwen2" ? "half" : "interleaved";
}

export function writeGguf(path: string, ck: Checkpoint, opts: GgufWriteOptions = {}): void {
  const c = ck.config;
  if (c.ropeScaling) {
    throw new ModelError(`${path}: GGUF export of Llama-3 RoPE scaling is not supported`, {
      hint: "save an HF folder instead (saveHfFolder)",
    });
  }
  const arch = c.modelType === "qwen2" ? "qwen2" : "llama";
  const target = ggufRopeLayout(c.modelType);
  const dtype = opts.dtype ?? "f32";
  const u32 = (value: number): GgufEntry => ({ type: GgufType.U32, value });
  const f32 = (value: number): GgufEntry => ({ type: GgufType.F32, value });
  const meta: GgufMetadata = new Map();
  meta.set("general.architecture", { type: GgufType.STRING, value: arch });
  meta.set("general.name", { type: GgufType.STRING, value: opts.name ?? "prefloop" });
  meta.set("general.alignment", u32(ALIGN));
  meta.set("general.file_type", u32(dtype === "f16" ? 1 : 0));
  for (const [k, e] of opts.metadata ?? []) {
    if (!k.startsWith("general.") && !k.startsWith(`${arch}.`)) meta.set(k, e);
  }
  meta.set(`${arch}.vocab_size`, u32(c.vocabSize));
  meta.set(`${arch}.context_length`, u32(c.maxPositionEmbeddings));
  meta.set(`${arch}.embedding_length`, u32(c.hiddenSize));
  meta.set(`${arch}.block_count`, u32(c.numLayers));
  meta.set(`${arch}.feed_forward_length`, u32(c.intermediateSize));
  meta.set(`${arch}.attention.head_count`, u32(c.numHeads));
  meta.set(`${arch}.attention.head_count_kv`, u32(c.numKvHeads));
  meta.set(`${arch}.attention.key_length`, u32(c.headDim));
  meta.set(`${arch}.attention.value_length`, u32(c.headDim));
  meta.set(`${arch}.rope.dimension_count`, u32(c.headDim));
  meta.set(`${arch}.rope.freq_base`, f32(c.ropeTheta));
  meta.set(`${arch}.attention.layer_norm_rms_epsilon`, f32(c.rmsNormEps));
  if (c.bosTokenId !== null && !meta.has("tokenizer.ggml.bos_token_id")) {
    meta.set("tokenizer.ggml.bos_token_id", u32(c.bosTokenId));
  }
  if (c.eosTokenIds.length > 0 && !meta.has("tokenizer.ggml.eos_token_id")) {
    meta.set("tokenizer.ggml.eos_token_id", u32(c.eosTokenIds[0]));
  }

  const tensors: { name: string; shape: number[]; bytes: Uint8Array; type: number }[] = [];
  for (const [hf, shape] of parameterShapes(c)) {
    const t = ck.tensors.get(hf);
    const name = hfToGgufName(hf);
    if (!t || !name) throw new ModelError(`${path}: cannot export tensor ${hf}`);
    let data = t.data;
    const qk = /self_attn\.([qk])_proj\.(weight|bias)$/.exec(hf);
    if (qk && c.ropeLayout !== target) {
      const heads = qk[1] === "q" ? c.numHeads : c.numKvHeads;
      data = permuteRopeRows(data, heads, c.headDim, shape.length === 2 ? shape[1] : 1, target);
    }
    const half = dtype === "f16" && shape.length === 2;
    tensors.push({ name, shape, bytes: bytesOf(half ? f32ArrayToF16(data) : data), type: half ? 1 : 0 });
  }

  const out = new Bytes();
  out.push(Buffer.from("GGUF", "latin1"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(meta.size);
  for (const [k, e] of meta) {
    out.str(k);
    out.u32(e.type);
    if (e.type === GgufType.ARRAY) {
      const items = e.value as GgufValue[];
      const it = e.itemType ?? GgufType.STRING;
      out.u32(it);
      out.u64(items.length);
      for (const v of items) out.scalar(it, v, k);
    } else {
      out.scalar(e.type, e.value, k);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    offset += Math.ceil(t.bytes.byteLength / ALIGN) * ALIGN;
  }
  out.pad(ALIGN);
  for (const t of tensors) {
    out.push(t.bytes);
    out.pad(ALIGN);
  }
  writeFileAtomic(path, out.chunks());
}
