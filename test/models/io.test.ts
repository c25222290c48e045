// Checkpoint IO: half-precision conversions, safetensors and GGUF round trips (bit-exact), HF folders
// (save -> load, sharded index, RoPE-layout conversion), q8_0 dequantisation, and clear errors.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { getTsBackend } from "../../src/engine/index.js";
import {
  type Checkpoint,
  ggufTokenizerMetadata,
  loadHfFolder,
  loadModel,
  readGgufCheckpoint,
  readGgufHeader,
  readGgufTensors,
  readSafetensors,
  saveGguf,
  saveHfFolder,
  type Tensor,
  writeSafetensors,
} from "../../src/models/index.js";
import { f16ToF32, f32ArrayToBf16, f32ToF16 } from "../../src/models/io/numeric.js";
import { isPrefloopError } from "../../src/util/errors.js";
import { goldenDir, relErr } from "./golden.js";

const tmp = () => mkdtempSync(join(tmpdir(), "prefloop-models-"));
const isModelError = (re: RegExp) => (e: unknown) =>
  isPrefloopError(e) && e.code === "model" && re.test(e.message);
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function assertSameTensors(a: Map<string, Tensor>, b: Map<string, Tensor>): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, t] of a) {
    const u = b.get(k) as Tensor;
    assert.deepEqual(u.shape, t.shape, k);
    assert.ok(bits(u.data).equals(bits(t.data)), `${k} differs`);
  }
}

test("f16 and bf16 conversions round to nearest even (numpy's results)", () => {
  assert.equal(f32ToF16(1), 0x3c00);
  assert.equal(f32ToF16(-2), 0xc000);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(65520), 0x7c00); // rounds up to infinity
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(f32ToF16(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(f32ToF16(2 ** -26), 0x0000);
  assert.equal(f16ToF32(0x3555), 0.333251953125);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  assert.deepEqual(
    [...f32ArrayToBf16(Float32Array.of(1, -3.140625, 1 + 2 ** -8, 1 + 3 * 2 ** -8))],
    [0x3f80, 0xc049, 0x3f80, 0x3f82],
  );
});

test("safetensors: F32 round trip is bit-exact, F16/BF16 read back rounded, bad dtypes and truncation are clear errors", () => {
  const dir = tmp();
  const data = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 5));
  const tensors = new Map<string, Tensor>([
    ["b", { shape: [2, 3, 4], data }],
    ["a", { shape: [3], data: Float32Array.of(1, 2.5, -0) }],
  ]);
  writeSafetensors(join(dir, "x.safetensors"), tensors);
  assertSameTensors(readSafetensors(join(dir, "x.safetensors")).tensors, tensors);
  for (const dt of ["F16", "BF16"] as const) {
    writeSafetensors(join(dir, "h.safetensors"), tensors, dt);
    const back = readSafetensors(join(dir, "h.safetensors")).tensors.get("b") as Tensor;
    assert.ok(relErr(back.data, data) < (dt === "F16" ? 1e-3 : 1e-2));
  }
  const bytes = readFileSync(join(dir, "x.safetensors"));
  writeFileSync(join(dir, "t.safetensors"), bytes.subarray(0, bytes.length - 10));
  assert.throws(() => readSafetensors(join(dir, "t.safetensors")), isModelError(/truncated/));
  const header = JSON.stringify({ q: { dtype: "I8", shape: [2], data_offsets: [0, 2] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, "i8.safetensors"), Buffer.concat([len, Buffer.from(header), Buffer.of(1, 2)]));
  assert.throws(() => readSafetensors(join(dir, "i8.safetensors")), isModelError(/dtype I8/));
});

test("HF folder: the reference checkpoint loads, saves and reloads bit-exact with config and tokenizer files", () => {
  const src = join(goldenDir, "qwen2_untied");
  const hf = loadHfFolder(src);
  const dir = tmp();
  writeFileSync(join(dir, "tokenizer.json"), '{"version":"1.0"}');
  const { model } = loadModel(src, { backend: getTsBackend() });
  saveHfFolder(model, join(dir, "out"), { tokenizerFiles: [join(dir, "tokenizer.json")] });
  const back = loadHfFolder(join(dir, "out"));
  assertSameTensors(back.checkpoint.tensors, hf.checkpoint.tensors);
  assert.deepEqual(back.checkpoint.config, hf.checkpoint.config);
  assert.deepEqual(back.tokenizerFiles, [join(dir, "out", "tokenizer.json")]);
  assert.equal(back.generationConfig?.eos_token_id, 2);
  // config.json carries what transformers' own Qwen2Config wrote for the fields that define the model
  const ours = JSON.parse(readFileSync(join(dir, "out", "config.json"), "utf8"));
  const theirs = JSON.parse(readFileSync(join(src, "config.json"), "utf8"));
  for (const k of Object.keys(theirs)) {
    if (
      ["transformers_version", "pad_token_id", "max_window_layers", "sliding_window", "use_cache"].includes(k)
    )
      continue;
    assert.deepEqual(ours[k], theirs[k], k);
  }
  // the safetensors key set is exactly save_pretrained's (tied => no lm_head.weight)
  saveHfFolder(
    loadModel(join(goldenDir, "llama_tied"), { backend: getTsBackend() }).model,
    join(dir, "tied"),
  );
  const keys = [...readSafetensors(join(dir, "tied", "model.safetensors")).tensors.keys()].sort();
  assert.deepEqual(
    keys,
    [...readSafetensors(join(goldenDir, "llama_tied", "model.safetensors")).tensors.keys()].sort(),
  );
});

test("HF folder: a sharded model.safetensors.index.json loads the same tensors", () => {
  const src = join(goldenDir, "llama_untied");
  const { tensors } = loadHfFolder(src).checkpoint;
  const dir = tmp();
  copyFileSync(join(src, "config.json"), join(dir, "config.json"));
  const names = [...tensors.keys()];
  const shards = [names.slice(0, 7), names.slice(7)];
  const weightMap: Record<string, string> = {};
  shards.forEach((s, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(join(dir, file), new Map(s.map((n) => [n, tensors.get(n) as Tensor])));
    for (const n of s) weightMap[n] = file;
  });
  writeFileSync(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  assertSameTensors(loadHfFolder(dir).checkpoint.tensors, tensors);
});

test("HF folder: unsupported architectures, dtypes and missing tensors are ModelErrors naming the problem", () => {
  const src = join(goldenDir, "llama_untied");
  const dir = tmp();
  const cfg = JSON.parse(readFileSync(join(src, "config.json"), "utf8"));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, model_type: "gpt2" }));
  assert.throws(() => loadHfFolder(dir), isModelError(/model_type "gpt2" is not supported/));
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ ...cfg, rope_scaling: { type: "yarn", factor: 2 } }),
  );
  assert.throws(() => loadHfFolder(dir), isModelError(/rope_scaling type "yarn"/));
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  assert.throws(() => loadHfFolder(dir), isModelError(/no model.safetensors/));
  const { tensors } = loadHfFolder(src).checkpoint;
  tensors.delete("model.layers.1.mlp.up_proj.weight");
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  assert.throws(() => loadHfFolder(dir), isModelError(/model\.layers\.1\.mlp\.up_proj\.weight is missing/));
});

test("GGUF: stories260K reads, writes and reads back bit-exact (tensors, config, tokenizer metadata)", () => {
  const path = "models/stories260K.gguf";
  const { checkpoint, file } = readGgufCheckpoint(path);
  const dir = tmp();
  const { model } = loadModel(path, { backend: getTsBackend() });
  saveGguf(model, join(dir, "s.gguf"), { metadata: file.metadata });
  const back = readGgufCheckpoint(join(dir, "s.gguf"));
  assertSameTensors(back.checkpoint.tensors, checkpoint.tensors);
  assert.deepEqual(back.checkpoint.config, checkpoint.config);
  for (const k of [
    "tokenizer.ggml.tokens",
    "tokenizer.ggml.scores",
    "tokenizer.ggml.token_type",
    "tokenizer.ggml.model",
  ]) {
    assert.deepEqual(back.file.metadata.get(k), file.metadata.get(k), k);
  }
  // f16 export keeps norms f32 and rounds matrices
  saveGguf(model, join(dir, "h.gguf"), { dtype: "f16", metadata: file.metadata });
  const h = readGgufHeader(join(dir, "h.gguf"));
  assert.equal(h.tensors.find((t) => t.name === "output_norm.weight")?.type, 0);
  assert.equal(h.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.type, 1);
  const hq = readGgufTensors(h).get("blk.0.attn_q.weight") as Float32Array;
  const q = readGgufTensors(file).get("blk.0.attn_q.weight") as Float32Array;
  assert.ok(relErr(hq, q) < 1e-3);
});

test("GGUF: truncated files and unknown magic are ModelErrors", () => {
  const dir = tmp();
  const bytes = readFileSync("models/stories260K.gguf");
  writeFileSync(join(dir, "t.gguf"), bytes.subarray(0, 200_000));
  assert.throws(() => readGgufCheckpoint(join(dir, "t.gguf")), isModelError(/truncated GGUF file: tensor/));
  writeFileSync(join(dir, "h.gguf"), bytes.subarray(0, 3000));
  assert.throws(() => readGgufHeader(join(dir, "h.gguf")), isModelError(/truncated GGUF file/));
  writeFileSync(join(dir, "m.gguf"), Buffer.from("GGML0000000000000000000000"));
  assert.throws(() => readGgufHeader(join(dir, "m.gguf")), isModelError(/not a GGUF file/));
});

test("GGUF: q8_0 tensors dequantise as d * q per 32-value block", () => {
  // a hand-built file: one metadata entry, one 64-value q8_0 tensor (2 blocks with scales 0.5 and -0.25)
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string) => {
    u64(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  parts.push(Buffer.from("GGUF"));
  u32(3);
  u64(1);
  u64(1);
  str("general.architecture");
  u32(8);
  str("llama");
  str("w");
  u32(2);
  u64(32);
  u64(2);
  u32(8);
  u64(0);
  const head = Buffer.concat(parts);
  const pad = Buffer.alloc((32 - (head.length % 32)) % 32);
  const block = (d: number, base: number) => {
    const b = Buffer.alloc(34);
    b.writeUInt16LE(f32ToF16(d), 0);
    for (let i = 0; i < 32; i++) b.writeInt8(base + i, 2 + i);
    return b;
  };
  const dir = tmp();
  writeFileSync(join(dir, "q.gguf"), Buffer.concat([head, pad, block(0.5, -16), block(-0.25, 90)]));
  const f = readGgufHeader(join(dir, "q.gguf"));
  const w = readGgufTensors(f).get("w") as Float32Array;
  const expected = Float32Array.from({ length: 64 }, (_, i) =>
    i < 32 ? 0.5 * (i - 16) : -0.25 * (90 + i - 32),
  );
  assert.deepEqual([...w], [...expected]);
});

test("RoPE layouts: stories260K (interleaved) -> HF folder (half) -> GGUF gives the same logits and weights", () => {
  const dir = tmp();
  const gguf = loadModel("models/stories260K.gguf", { backend: getTsBackend() });
  saveHfFolder(gguf.model, join(dir, "hf"));
  const hf = loadModel(join(dir, "hf"), { backend: getTsBackend() });
  assert.equal(hf.model.config.ropeLayout, "half");
  const tokens = Int32Array.of(1, 403, 407, 261, 378, 288);
  const batch = { tokens, mask: new Uint8Array(6).fill(1), B: 1, T: 6 };
  assert.ok(relErr(hf.model.logits(batch), gguf.model.logits(batch)) < 1e-5);
  saveGguf(hf.model, join(dir, "back.gguf"));
  const back = readGgufCheckpoint(join(dir, "back.gguf")).checkpoint;
  const orig: Checkpoint = readGgufCheckpoint("models/stories260K.gguf").checkpoint;
  assertSameTensors(back.tensors, orig.tensors);
});

test("HF folder: Llama-3 rope_scaling survives save -> load; GGUF export refuses it clearly", () => {
  const src = join(goldenDir, "llama3_untied");
  const { model } = loadModel(src, { backend: getTsBackend() });
  assert.deepEqual(model.config.ropeScaling, {
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 64,
  });
  const dir = tmp();
  saveHfFolder(model, join(dir, "out"));
  const back = loadHfFolder(join(dir, "out")).checkpoint;
  assert.deepEqual(back.config, model.config);
  assertSameTensors(back.tensors, loadHfFolder(src).checkpoint.tensors);
  assert.throws(() => saveGguf(model, join(dir, "x.gguf")), isModelError(/Llama-3 RoPE scaling/));
});

test("GGUF: a byte-level BPE tokenizer.json becomes tokenizer.ggml.* metadata (tokens, types, merges, ids, template)", () => {
  const dir = tmp();
  const { model } = loadModel(join(goldenDir, "qwen2_untied"), { backend: getTsBackend() });
  saveGguf(model, join(dir, "q.gguf"), { tokenizerFolder: "test/models/fixtures/bytelevel-64" });
  const { file, checkpoint } = readGgufCheckpoint(join(dir, "q.gguf"));
  const meta = ggufTokenizerMetadata(file);
  assert.ok(meta);
  assert.equal(meta.model, "gpt2");
  assert.equal(meta.pre, "qwen2");
  assert.equal(meta.tokens.length, 64);
  assert.deepEqual(meta.tokens.slice(0, 5), ["<pad>", "<s>", "</s>", "\u0120", "\u010a"]);
  assert.deepEqual(meta.tokenTypes?.slice(0, 4), [3, 3, 3, 1]);
  assert.deepEqual(meta.merges, ["t h"]);
  assert.equal(meta.bosTokenId, 1);
  assert.equal(meta.eosTokenId, 2);
  assert.equal(meta.paddingTokenId, 0);
  assert.match(meta.chatTemplate ?? "", /messages/);
  // qwen2 keeps the half RoPE layout and its q/k/v biases through GGUF
  assert.equal(checkpoint.config.ropeLayout, "half");
  assertSameTensors(checkpoint.tensors, loadHfFolder(join(goldenDir, "qwen2_untied")).checkpoint.tensors);
  assert.throws(
    () => saveGguf(model, join(dir, "x.gguf"), { tokenizerFolder: dir }),
    isModelError(/tokenizer.json is missing/),
  );
});
