// KV-cache decoding agrees with the full forward: token by token, in prefill chunks, across rows of
// different lengths, after copyCacheRow; and refuses what it cannot do.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { type Backend, getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { type LlamaModel, loadModel } from "../../src/models/index.js";
import { isPrefloopError } from "../../src/util/errors.js";
import { goldenDir, relErr } from "./golden.js";

function lastLogits(model: LlamaModel, seq: number[]): Float32Array {
  const V = model.config.vocabSize;
  const T = seq.length;
  const all = model.logits({ tokens: Int32Array.from(seq), mask: new Uint8Array(T).fill(1), B: 1, T });
  return all.slice((T - 1) * V, T * V);
}

const seqA = [1, 5, 9, 14, 20, 33, 41, 2, 7, 3];
const seqB = [1, 7, 3, 60, 12];

const backends: Backend[] = [getTsBackend(), getNativeBackend()].filter((b): b is Backend => b !== null);

// small models decode with [in, out] weight copies; qwen2_tied also runs without them (the large-model path)
for (const [variant, backend, maxT] of [
  ...["llama_untied", "qwen2_tied", "llama3_untied"].map((v) => [v, undefined] as const),
  ["qwen2_tied", 0] as const,
].flatMap(([v, t]) => backends.map((b) => [v, b, t] as const))) {
  const label = `${variant}${maxT === 0 ? " [out,in] weights" : ""} [${backend.name}]`;
  test(`${label}: decode with KV cache equals the full forward's last-token logits`, () => {
    const { model } = loadModel(join(goldenDir, variant), { backend, decodeTransposedMaxFloats: maxT });
    const V = model.config.vocabSize;
    const cache = model.newCache(3, 16);
    // row 0: prefill 4 tokens then one at a time; row 2: the whole of seqB at once
    let out = model.decode(cache, [0], Int32Array.from(seqA.slice(0, 4)), 4);
    assert.ok(relErr(out, lastLogits(model, seqA.slice(0, 4))) < 1e-5);
    out = model.decode(cache, [2], Int32Array.from(seqB), seqB.length);
    assert.ok(relErr(out, lastLogits(model, seqB)) < 1e-5);
    for (let t = 4; t < seqA.length; t++) {
      out = model.decode(cache, [0], Int32Array.of(seqA[t]), 1);
      const e = relErr(out, lastLogits(model, seqA.slice(0, t + 1)));
      assert.ok(e < 1e-5, `step ${t}: rel err ${e}`);
    }
    assert.deepEqual([...cache.lengths], [seqA.length, 0, seqB.length]);
    // share row 2's prefix with row 1, then step rows 0, 1, 2 together with different tokens
    model.copyCacheRow(cache, 2, [1]);
    out = model.decode(cache, [0, 1, 2], Int32Array.of(4, 8, 9), 1);
    const refs = [
      lastLogits(model, [...seqA, 4]),
      lastLogits(model, [...seqB, 8]),
      lastLogits(model, [...seqB, 9]),
    ];
    for (let r = 0; r < 3; r++) {
      const e = relErr(out.subarray(r * V, (r + 1) * V), refs[r]);
      assert.ok(e < 1e-5, `row ${r}: rel err ${e}`);
    }
    // and two new tokens at once for a subset of rows, in a different order
    out = model.decode(cache, [2, 1], Int32Array.of(11, 12, 13, 14), 2);
    assert.ok(relErr(out.subarray(0, V), lastLogits(model, [...seqB, 9, 11, 12])) < 1e-5);
    assert.ok(relErr(out.subarray(V, 2 * V), lastLogits(model, [...seqB, 8, 13, 14])) < 1e-5);
  });
}

test("decode rejects overflowing the cache, bad rows and foreign caches", () => {
  const { model } = loadModel(join(goldenDir, "llama_tied"), { backend: getTsBackend() });
  const { model: other } = loadModel(join(goldenDir, "llama_tied"), { backend: getTsBackend() });
  const cache = model.newCache(2, 4);
  const isShape = (e: unknown) => isPrefloopError(e) && e.code === "shape";
  assert.throws(() => model.decode(cache, [0], Int32Array.of(1, 2, 3, 4, 5), 5), isShape);
  assert.throws(() => model.decode(cache, [2], Int32Array.of(1), 1), isShape);
  assert.throws(() => model.decode(cache, [0, 0], Int32Array.of(1, 2), 1), isShape);
  assert.throws(() => model.decode(cache, [0], Int32Array.of(999), 1), isShape);
  assert.throws(() => other.decode(cache, [0], Int32Array.of(1), 1), isShape);
  assert.deepEqual([...cache.lengths], [0, 0]);
});

test("stories260K: cached greedy decoding equals greedy over full forwards", () => {
  const { model } = loadModel("models/stories260K.gguf", { backend: getTsBackend() });
  const V = model.config.vocabSize;
  const argmax = (x: Float32Array) => x.reduce((bi, v, i) => (v > x[bi] ? i : bi), 0);
  const cache = model.newCache(1, 32);
  const seq = [1];
  let logits = model.decode(cache, [0], Int32Array.of(1), 1);
  for (let i = 0; i < 20; i++) {
    const next = argmax(logits);
    const full = lastLogits(model, seq);
    assert.equal(argmax(full), next);
    assert.ok(relErr(logits, full) < 1e-5);
    seq.push(next);
    logits = model.decode(cache, [0], Int32Array.of(next), 1);
  }
  assert.equal(logits.length, V);
});

for (const backend of backends) {
  test(`stories260K [${backend.name}]: greedy decoding from BOS reproduces the model's documented sample (200 tokens)`, () => {
    const { model, tokenizer } = loadModel("models/stories260K.gguf", { backend });
    assert.equal(tokenizer.kind, "gguf");
    if (tokenizer.kind !== "gguf") return;
    const pieces = tokenizer.metadata.tokens;
    const argmax = (x: Float32Array) => x.reduce((bi, v, i) => (v > x[bi] ? i : bi), 0);
    const cache = model.newCache(1, 256);
    const ids: number[] = [];
    let logits = model.decode(cache, [0], Int32Array.of(1), 1);
    for (let i = 0; i < 200; i++) {
      const next = argmax(logits);
      ids.push(next);
      logits = model.decode(cache, [0], Int32Array.of(next), 1);
    }
    // minimal SentencePiece detokenisation (the text layer owns the real one): ▁ -> space, <0xNN> -> byte
    const bytes: number[] = [];
    for (const id of ids) {
      const p = pieces[id];
      const m = /^<0x([0-9A-F]{2})>$/.exec(p);
      if (m) bytes.push(Number.parseInt(m[1], 16));
      else bytes.push(...Buffer.from(p.replaceAll("\u2581", " "), "utf8"));
    }
    const text = Buffer.from(bytes).toString("utf8").replace(/^ /, "");
    const doc =
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your ball, but I can't find it.\"\nLily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\nLily didn't want to help her mom, so she said, \"I'm sorry, mom. I didn't know what to do.\" Her mom said, \"Don't worry, Lily. We can help you.";
    assert.ok(text.length > 400, text);
    assert.equal(text, doc.slice(0, text.length));
  });
}

test("a cache decodes with the weights of its creation; a new cache sees changed weights", () => {
  const { model } = loadModel(join(goldenDir, "llama_untied"), { backend: getTsBackend() });
  const before = model.newCache(1, 8);
  const ref = model.decode(model.newCache(1, 8), [0], Int32Array.of(1, 5, 9), 3);
  const wq = model.layers[0].wq.data;
  const saved = Float32Array.from(wq);
  for (let i = 0; i < wq.length; i++) wq[i] *= 1.5; // as an optimizer step would, in place
  const after = model.decode(model.newCache(1, 8), [0], Int32Array.of(1, 5, 9), 3);
  assert.ok(relErr(model.decode(before, [0], Int32Array.of(1, 5, 9), 3), ref) < 1e-6);
  assert.ok(relErr(after, ref) > 1e-3, "the changed weights reach a new cache");
  assert.ok(relErr(after, lastLogits(model, [1, 5, 9])) < 1e-5);
  wq.set(saved);
});
