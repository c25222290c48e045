// Classifier reward models against HF transformers' own LlamaForSequenceClassification (chat template,
// last token → score.weight) and DebertaV2ForSequenceClassification (pair encoding, pooler + classifier)
// on tiny random folders written by scripts/reference/pairrm_ref.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { getTsBackend } from "../../src/engine/index.js";
import { buildRanker, loadRewardClassifier, registerEngineRankers } from "../../src/reward/index.js";

const dir = "test/golden/pairrm";
interface Row {
  prompt: string;
  response: string;
  ids: number[];
  score: number;
}
const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as {
  cls_llama: Row[];
  cls_deberta: Row[];
};

for (const [kind, rows] of [
  ["llama", ref.cls_llama],
  ["deberta", ref.cls_deberta],
] as const) {
  test(`${kind} classifier: input ids and scores match transformers (rel err <= 1e-4)`, async () => {
    const m = await loadRewardClassifier(`${dir}/cls-${kind}`, getTsBackend());
    assert.equal(m.kind, kind);
    for (const r of rows) assert.deepEqual(m.inputIds(r.prompt, r.response), r.ids);
    const got = m.scorePairs(rows);
    const scale = Math.max(...rows.map((r) => Math.abs(r.score)));
    got.forEach((g, i) => {
      assert.ok(Math.abs(g - rows[i].score) <= 1e-4 * scale, `${i}: ${g} vs ${rows[i].score}`);
    });
  });
}

test("classifier ranker is pointwise and scores each candidate", async () => {
  registerEngineRankers();
  const r = await buildRanker(`classifier:${dir}/cls-deberta`);
  assert.equal(r.pointwise, true);
  const rows = ref.cls_deberta.filter((x) => x.prompt === ref.cls_deberta[0].prompt);
  const res = await r.score(
    rows[0].prompt,
    rows.map((x) => x.response),
  );
  res.scores.forEach((s, i) => {
    assert.ok(Math.abs(s - rows[i].score) < 1e-4 * Math.abs(rows[i].score) + 1e-6);
  });
});

test("an unsupported architecture is named in the error", async () => {
  await assert.rejects(
    loadRewardClassifier(`${dir}/pairrm-tiny`),
    /DebertaV2PairRM.*not a supported reward classifier/,
  );
});

test("a sharded classifier folder (model.safetensors.index.json) loads the same scores", async () => {
  const { mkdtempSync, copyFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { readSafetensors, writeSafetensors } = await import("../../src/models/index.js");
  const src = `${dir}/cls-llama`;
  const tmp = mkdtempSync(`${tmpdir()}/cls-sharded-`);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"])
    copyFileSync(`${src}/${f}`, `${tmp}/${f}`);
  const all = [...readSafetensors(`${src}/model.safetensors`).tensors];
  const half = Math.floor(all.length / 2);
  const shards = [all.slice(0, half), all.slice(half)];
  const weightMap: Record<string, string> = {};
  shards.forEach((part, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(`${tmp}/${file}`, new Map(part), "F32");
    for (const [k] of part) weightMap[k] = file;
  });
  writeFileSync(`${tmp}/model.safetensors.index.json`, JSON.stringify({ weight_map: weightMap }));
  const a = await loadRewardClassifier(src, getTsBackend());
  const b = await loadRewardClassifier(tmp, getTsBackend());
  assert.deepEqual(b.scorePairs(ref.cls_llama), a.scorePairs(ref.cls_llama));
});
