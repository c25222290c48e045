// A trained reward model saved by `RewardModel.save` is an HF LlamaForSequenceClassification folder that the
// `classifier:<dir>` ranker loads and scores exactly as the in-memory model did (GGUF-vocabulary backbone:
// the tokenizer travels in model.gguf); training resumes from a checkpoint bit for bit; bad rows name the line.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildRanker, registerEngineRankers } from "../../src/reward/index.js";
import {
  buildRmData,
  loadRewardModel,
  parseRmSettings,
  readRows,
  rewardModelRanker,
  trainRewardModel,
} from "../../src/rm/index.js";

const backbone = join(import.meta.dirname, "..", "..", "models", "stories260K.gguf");
const rows = Array.from({ length: 12 }, (_, i) => ({
  prompt: `Once upon a time, Tim had ${i} toys.`,
  chosen: `Tim shared his toys with his friend and they were happy. ${"The end. ".repeat(i % 3)}`,
  rejected: "toys toys toys toys",
  margin: i % 2,
}));

async function trained(dir: string, settings: Record<string, unknown>, stopAfterSteps?: number) {
  const s = parseRmSettings({
    max_steps: 4,
    per_device_train_batch_size: 4,
    eval_split: 0.25,
    save_steps: 2,
    ...settings,
  });
  const head = s.loss === "pairwise" ? "pairwise" : "sequence";
  const model = await loadRewardModel(backbone, { seed: 3, head });
  const { data } = await buildRmData(rows, "rows", { assets: model.assets, settings: s });
  const res = await trainRewardModel({ model, data, settings: s, outDir: dir, stopAfterSteps });
  return { model, res };
}

test("saved reward model loads as classifier:<dir> and scores like the trained model", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rm-save-"));
  const { model } = await trained(dir, {});
  model.save(dir);
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.deepEqual(cfg.architectures, ["LlamaForSequenceClassification"]);
  assert.equal(cfg.num_labels, 1);
  assert.equal(typeof cfg.pad_token_id, "number");
  registerEngineRankers();
  const clf = await buildRanker({ type: "classifier", path: dir });
  const mine = rewardModelRanker(model, dir);
  const reloaded = rewardModelRanker(await loadRewardModel(dir), dir);
  const cands = [rows[0].chosen, rows[0].rejected, "Tim went to the park."];
  const a = (await clf.score(rows[0].prompt, cands)).scores;
  const b = (await mine.score(rows[0].prompt, cands)).scores;
  const c = (await reloaded.score(rows[0].prompt, cands)).scores;
  for (let i = 0; i < 3; i++) {
    assert.ok(
      Math.abs(a[i] - b[i]) < 1e-4 * Math.max(1, Math.abs(b[i])),
      `classifier ${a[i]} vs trained ${b[i]}`,
    );
    assert.ok(
      Math.abs(c[i] - b[i]) < 1e-4 * Math.max(1, Math.abs(b[i])),
      `reloaded ${c[i]} vs trained ${b[i]}`,
    );
  }
});

test("a saved pairwise reward model is a pairwise ranker as classifier:<dir>, scoring like the trained model", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rm-save-pw-"));
  const { model } = await trained(dir, { loss: "pairwise", max_steps: 2 });
  model.save(dir);
  assert.equal(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).prefloop_head, "pairwise");
  registerEngineRankers();
  const clf = await buildRanker(`classifier:${dir}`);
  assert.equal(clf.pointwise, false);
  const cands = [rows[0].chosen, rows[0].rejected, "Tim went to the park."];
  const a = await clf.score(rows[0].prompt, cands);
  const b = await rewardModelRanker(model, dir).score(rows[0].prompt, cands);
  const flat = (m: number[][] | undefined) => (m ?? []).flat();
  assert.equal(flat(a.matrix).length, 9);
  flat(a.matrix).forEach((x, i) => {
    const y = flat(b.matrix)[i];
    assert.ok(Math.abs(x - y) < 1e-4 * Math.max(1, Math.abs(y)), `matrix ${i}: ${x} vs ${y}`);
  });
  a.scores.forEach((x, i) => {
    assert.ok(Math.abs(x - b.scores[i]) < 1e-4 * Math.max(1, Math.abs(b.scores[i])));
  });
  assert.ok(
    flat(a.matrix).some((x) => Math.abs(x) > 1e-6),
    "the logits are not all zero",
  );
  // a recorded max_length (what `rm train` writes) cuts candidates at ranking as at training
  model.save(dir, { prefloop_max_length: 24 });
  const cut = await (await buildRanker(`classifier:${dir}`)).score(rows[0].prompt, cands);
  const want = await rewardModelRanker(model, dir, 24).score(rows[0].prompt, cands);
  flat(cut.matrix).forEach((x, i) => {
    assert.ok(Math.abs(x - flat(want.matrix)[i]) < 1e-4 * Math.max(1, Math.abs(x)), `cut matrix ${i}`);
  });
  assert.notDeepEqual(cut.matrix, a.matrix);
});

test("reward-model training resumes from its checkpoint to the same weights", async () => {
  const full = await trained(mkdtempSync(join(tmpdir(), "rm-full-")), { save_steps: 0 });
  const dir = mkdtempSync(join(tmpdir(), "rm-resume-"));
  const part = await trained(dir, {}, 2);
  assert.equal(part.res.steps, 2);
  const rest = await trained(dir, {});
  assert.equal(rest.res.resumedFrom, 2);
  const w1 = full.model.score.data;
  const w2 = rest.model.score.data;
  assert.deepEqual(Array.from(w2), Array.from(w1));
});

test("rm data errors name the file and line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rm-bad-"));
  const p = join(dir, "bad.jsonl");
  writeFileSync(
    p,
    `${JSON.stringify(rows[0])}\n${JSON.stringify({ prompt: "x", chosen: 3, rejected: "y" })}\n`,
  );
  const model = await loadRewardModel(backbone);
  await assert.rejects(
    buildRmData(readRows(p), p, { assets: model.assets, settings: parseRmSettings({}) }),
    /bad\.jsonl:2: 'chosen' must be a string/,
  );
  writeFileSync(p, `${JSON.stringify({ prompt: "x", response_a: "a", response_b: "b" })}\n`);
  await assert.rejects(
    buildRmData(readRows(p), p, { assets: model.assets, settings: parseRmSettings({}) }),
    /no labels/,
  );
});
