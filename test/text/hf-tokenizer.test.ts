// tokenizer.json through @huggingface/tokenizers, checked against sentencepiece on the same vocabulary
// (both goldens from scripts/reference/spm_tokenizer_ref.py), and folder loading with tokenizer_config.json.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HfTokenizer, loadTextAssetsFromFolder } from "../../src/text/index.js";

const tokenizerJson = JSON.parse(
  readFileSync("test/golden/text/stories260k-tokenizer.json", "utf8"),
) as Record<string, unknown>;
const golden = JSON.parse(readFileSync("test/golden/text/stories260k-spm.json", "utf8")) as {
  cases: Array<{ text: string; ids: number[]; decoded: string }>;
};
const config = { bos_token: "<s>", eos_token: { content: "</s>" }, unk_token: "<unk>" };

test("tokenizer.json encodes and decodes like sentencepiece", () => {
  const tok = new HfTokenizer(tokenizerJson, config);
  assert.equal(tok.vocabSize, 512);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.equal(tok.padId, null);
  // Hugging Face tokenizers always match added tokens ("<s>") in text; sentencepiece keeps them literal
  for (const c of golden.cases.filter((k) => !k.text.includes("<s>"))) {
    assert.deepEqual(tok.encode(c.text), c.ids, `encode ${JSON.stringify(c.text)}`);
    assert.equal(tok.decode(c.ids), c.decoded, `decode ${JSON.stringify(c.text)}`);
  }
});

test("addBos adds BOS once and special tokens in text are matched", () => {
  const tok = new HfTokenizer(tokenizerJson, config);
  assert.deepEqual(tok.encode("", { addBos: true }), [1]);
  const ids = tok.encode("<s>Once", { addBos: true });
  assert.equal(ids.filter((i) => i === 1).length, 1);
  assert.equal(tok.decode([1, ...tok.encode("Once upon"), 2], { skipSpecial: true }), "Once upon");
});

test("a folder's tokenizer_config.json chat template is used, else the plain one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-tok-"));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({
      ...config,
      chat_template: "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}",
    }),
  );
  const assets = await loadTextAssetsFromFolder(dir);
  assert.equal(assets.chatTemplate.kind, "jinja");
  assert.equal(assets.chatTemplate.render([{ role: "user", content: "x" }]), "<s>x</s>");
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
  assert.equal((await loadTextAssetsFromFolder(dir)).chatTemplate.kind, "plain");
});

test("missing or malformed files fail with the file named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-tok-"));
  await assert.rejects(loadTextAssetsFromFolder(dir), /tokenizer\.json: not found/);
  writeFileSync(join(dir, "tokenizer.json"), "{ not json");
  await assert.rejects(loadTextAssetsFromFolder(dir), /tokenizer\.json: invalid JSON/);
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<nope>" }));
  await assert.rejects(loadTextAssetsFromFolder(dir), /bos_token "<nope>" is not in the vocabulary/);
});
