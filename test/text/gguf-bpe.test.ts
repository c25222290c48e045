// GGUF byte-level BPE vocabularies ("gpt2"): the metadata the models layer writes from a tokenizer.json
// (ggufTokenizerFromHf) read back by the text layer encodes and decodes exactly as the original
// tokenizer.json does through @huggingface/tokenizers; Qwen2's pre-tokenizer splits digits one by one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { LlamaConfig } from "../../src/models/index.js";
import { ggufTokenizerFromHf } from "../../src/models/index.js";
import { HfTokenizer, textAssetsFromGguf } from "../../src/text/index.js";

const folder = "test/models/fixtures/bytelevel-64";
const json = JSON.parse(readFileSync(`${folder}/tokenizer.json`, "utf8")) as Record<string, unknown>;
const config = JSON.parse(readFileSync(`${folder}/tokenizer_config.json`, "utf8")) as Record<string, unknown>;
const llama: LlamaConfig = {
  modelType: "llama",
  vocabSize: 64,
  hiddenSize: 8,
  intermediateSize: 8,
  numLayers: 1,
  numHeads: 1,
  numKvHeads: 1,
  headDim: 8,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeLayout: "half",
  ropeScaling: null,
  maxPositionEmbeddings: 64,
  tieWordEmbeddings: true,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};
const values = (m: ReturnType<typeof ggufTokenizerFromHf>): Map<string, unknown> =>
  new Map([...m].map(([k, e]) => [k, e.value]));
const texts = ["the cat sat", "Then THE thing\nthat", "a  b   c", "abc 123 xyz", "<s>the</s>"];

test("a gpt2-style GGUF vocabulary tokenizes like its source tokenizer.json", () => {
  const original = new HfTokenizer(json, config);
  const { tokenizer, chatTemplate } = textAssetsFromGguf(
    values(ggufTokenizerFromHf(folder, llama)),
    "m.gguf",
  );
  for (const t of texts) {
    assert.deepEqual(tokenizer.encode(t), original.encode(t), t);
    assert.equal(tokenizer.decode(tokenizer.encode(t)), t);
  }
  assert.equal(tokenizer.eosId, 2);
  // add_bos_token = false: no BOS is prepended
  assert.equal(tokenizer.bosId, null);
  assert.equal(chatTemplate.render([{ role: "user", content: "hi" }]), "hi");
});

test("the qwen2 pre-tokenizer splits digits one by one; unknown pre-tokenizers are refused", () => {
  const meta = values(ggufTokenizerFromHf(folder, { ...llama, modelType: "qwen2" }));
  assert.equal(meta.get("tokenizer.ggml.pre"), "qwen2");
  const { tokenizer } = textAssetsFromGguf(meta, "q.gguf");
  const digits = tokenizer.encode("123");
  assert.deepEqual(digits, [32, 33, 34]);
  meta.set("tokenizer.ggml.pre", "falcon");
  assert.throws(
    () => textAssetsFromGguf(meta, "q.gguf"),
    /q\.gguf: tokenizer\.ggml\.pre "falcon" is not supported/,
  );
});
