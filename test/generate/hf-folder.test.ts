// The Hugging Face folder path end to end: stories260K saved as an HF folder with a tokenizer.json (from
// scripts/reference/spm_tokenizer_ref.py) generates the same greedy text as the GGUF file, and a chat
// template from tokenizer_config.json drives the chat prompt.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openLocalGenerator, type SamplingSettings } from "../../src/generate/index.js";
import { loadModel, saveHfFolder } from "../../src/models/index.js";

const greedy: SamplingSettings = {
  temperature: 0,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 60,
  stop: [],
  seed: 0,
};

function hfFolder(chatTemplate?: string): string {
  const files = mkdtempSync(join(tmpdir(), "pf-tokfiles-"));
  copyFileSync("test/golden/text/stories260k-tokenizer.json", join(files, "tokenizer.json"));
  const config: Record<string, unknown> = { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>" };
  if (chatTemplate) config.chat_template = chatTemplate;
  writeFileSync(join(files, "tokenizer_config.json"), JSON.stringify(config));
  const dir = mkdtempSync(join(tmpdir(), "pf-hf-"));
  saveHfFolder(loadModel("models/stories260K.gguf").model, dir, {
    tokenizerFiles: [join(files, "tokenizer.json"), join(files, "tokenizer_config.json")],
  });
  return dir;
}

test("an HF folder with tokenizer.json generates the GGUF file's greedy text", async () => {
  const gguf = await openLocalGenerator("models/stories260K.gguf");
  const hf = await openLocalGenerator(hfFolder());
  const requests = [
    { prompt: { raw: "" }, n: 1, sampling: greedy },
    { prompt: { raw: "Tim and Lily" }, n: 1, sampling: greedy },
  ];
  const a = await gguf.generate(requests);
  const b = await hf.generate(requests);
  assert.deepEqual(
    b.map((r) => r.map((s) => [s.text, s.tokens])),
    a.map((r) => r.map((s) => [s.text, s.tokens])),
  );
  assert.ok(a[0]?.[0]?.text.startsWith("Once upon a time, there was a little girl named Lily."));
});

test("a tokenizer_config.json chat template renders the chat prompt", async () => {
  const hf = await openLocalGenerator(
    hfFolder("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"),
  );
  const out = await hf.generate([
    { prompt: [{ role: "user", content: "Tim and Lily" }], n: 1, sampling: greedy },
    { prompt: { raw: "Tim and Lily" }, n: 1, sampling: greedy },
  ]);
  const chat = out[0]?.[0];
  const raw = out[1]?.[0];
  assert.ok(chat && raw);
  assert.equal(chat.promptTokens, raw.promptTokens);
  assert.equal(chat.text, raw.text);
});
