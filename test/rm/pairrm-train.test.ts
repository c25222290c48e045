// Fine-tuning a tiny random PairRM (the golden folder of scripts/reference/rm_pairrm_ref.py): it learns a
// synthetic preference rule (held-out accuracy rises from chance), the saved folder loads as `pairrm:<dir>` with
// the in-training logits, an interrupted run resumes to the same weights, and bad input names file and line.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { buildRanker, PairRM, registerEngineRankers } from "../../src/reward/index.js";
import {
  buildPairrmData,
  type PairrmExample,
  PairrmRewardModel,
  parseRmSettings,
  type RmData,
  readRows,
  rmMicroBatch,
  trainRewardModel,
} from "../../src/rm/index.js";
import { InputError } from "../../src/util/errors.js";

const folder = join(import.meta.dirname, "..", "golden", "rm-pairrm");
const budget = { sourceMax: 16, candidateMax: 12 };
const words = "the a of to and in is it that was for on are with as his they be at one have this from".split(
  " ",
);

/** The rule: the preferred answer says "water"; the other one never does. */
function synthetic(n: number, seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const text = (k: number) => Array.from({ length: k }, () => words[Math.floor(rnd() * words.length)]);
  return Array.from({ length: n }, () => {
    const good = text(3 + Math.floor(rnd() * 5));
    good.splice(Math.floor(rnd() * good.length), 0, "water");
    return {
      prompt: text(5).join(" "),
      chosen: good.join(" "),
      rejected: text(3 + Math.floor(rnd() * 6)).join(" "),
    };
  });
}

function writeJsonl(path: string, rows: object[]): string {
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return path;
}

const accuracy = (model: PairrmRewardModel, ex: PairrmExample[]): number => {
  const logits = model.pairrm.logitsOfRows(ex.map((e) => e.ids));
  return logits.filter((z, i) => z > 0 === ex[i].label > 0.5).length / ex.length;
};

test("a tiny random PairRM learns a synthetic rule: held-out accuracy rises from chance", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-pairrm-learn-"));
  const model = await PairrmRewardModel.load(folder, { budget });
  const settings = parseRmSettings({
    learning_rate: 2e-3,
    num_train_epochs: 4,
    per_device_train_batch_size: 8,
    warmup_ratio: 0,
    eval_steps: 10,
    logging_steps: 5,
  });
  const { data } = await buildPairrmData(
    readRows(writeJsonl(join(dir, "train.jsonl"), synthetic(64, 1))),
    "train.jsonl",
    { model, settings, evalRows: synthetic(48, 2) as never[], evalPath: "eval.jsonl" },
  );
  assert.equal(data.kind, "pairrm");
  const test0 = data.test as PairrmExample[];
  const before = accuracy(model, test0);
  const res = await trainRewardModel({ model, data, settings, outDir: dir, backend: model.backend });
  const after = accuracy(model, test0);
  const log = readFileSync(res.trainLogPath, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>);
  const evals = log.filter((l) => "eval_accuracy" in l).map((l) => l.eval_accuracy);
  assert.ok(log.some((l) => "loss" in l && "accuracy" in l && "margin" in l && "grad_norm" in l));
  assert.ok(evals.length >= 3, `eval rows: ${evals}`);
  assert.ok(
    after >= 0.9 && after >= before + 0.3,
    `held-out accuracy ${before} -> ${after} (evals ${evals})`,
  );
  assert.ok(Math.abs((res.eval?.eval_accuracy ?? 0) - after) < 1e-9);
});

test("a fine-tuned PairRM saves to a folder pairrm:<dir> loads with the in-training logits", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-pairrm-save-"));
  const model = await PairrmRewardModel.load(folder, { budget });
  const settings = parseRmSettings({ learning_rate: 5e-3, max_steps: 3, per_device_train_batch_size: 4 });
  const { data } = await buildPairrmData(synthetic(12, 3), "rows", {
    model,
    settings: { ...settings, eval_split: 0 },
  });
  await trainRewardModel({ model, data, settings, outDir: join(dir, "run") });
  const out = join(dir, "model");
  model.save(out);
  const rows = (data.train as PairrmExample[]).slice(0, 6).map((e) => e.ids);
  // in-training forward (what the loss saw) against the saved folder through the inference path
  const trained = model.scoresOf(rows, false);
  const inTraining = rows.map((_, b) => trained[b] - trained[rows.length + b]);
  const again = await PairRM.load(out); // the folder records the budgets it was trained with
  assert.deepEqual(again.budget, budget);
  const reloaded = again.logitsOfRows(rows);
  const original = (await PairRM.load(folder, { budget })).logitsOfRows(rows);
  reloaded.forEach((z, i) => {
    assert.ok(Math.abs(z - inTraining[i]) < 1e-5, `row ${i}: ${z} vs ${inTraining[i]}`);
  });
  assert.ok(
    original.some((z, i) => Math.abs(z - reloaded[i]) > 1e-3),
    "training changed the logits",
  );
  registerEngineRankers();
  const p = synthetic(1, 4)[0];
  for (const spec of [`pairrm:${out}`, `classifier:${out}`]) {
    const ranker = await buildRanker(spec);
    const r = await ranker.score(p.prompt, [p.chosen, p.rejected]);
    const m = await PairRM.load(out);
    assert.deepEqual(r.matrix, m.matrix(p.prompt, [p.chosen, p.rejected]), spec);
  }
});

test("an interrupted PairRM fine-tuning resumes to the same weights as an uninterrupted one", async () => {
  const settings = parseRmSettings({
    learning_rate: 5e-3,
    max_steps: 4,
    save_steps: 2,
    per_device_train_batch_size: 4,
  });
  const run = async (dir: string, stop?: number) => {
    const model = await PairrmRewardModel.load(folder, { budget });
    const { data } = await buildPairrmData(synthetic(10, 5), "rows", {
      model,
      settings: { ...settings, eval_split: 0 },
    });
    await trainRewardModel({ model, data, settings, outDir: dir, stopAfterSteps: stop });
    return model;
  };
  const a = await run(mkdtempSync(join(tmpdir(), "pf-pairrm-a-")));
  const dirB = mkdtempSync(join(tmpdir(), "pf-pairrm-b-"));
  await run(dirB, 2);
  const b = await run(dirB);
  const pb = new Map(b.parameters().map((p) => [p.name, p.data]));
  for (const p of a.parameters()) assert.deepEqual(pb.get(p.name), p.data, p.name);
});

test("PairRM fine-tuning failure modes name the file and line, or the setting", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-pairrm-bad-"));
  const rows = synthetic(4, 6) as Record<string, unknown>[];
  delete rows[2].rejected;
  const path = writeJsonl(join(dir, "pairs.jsonl"), rows);
  const model = await PairrmRewardModel.load(folder, { budget });
  await assert.rejects(
    buildPairrmData(readRows(path), path, { model, settings: parseRmSettings({}) }),
    (e: Error) => e instanceof InputError && e.message.includes("pairs.jsonl:3"),
  );
  // Llama-family rows on a PairRM model
  const wrong: RmData = { kind: "pairwise", train: [{ ids: [5, 6], left: 0, right: 1, label: 1 }], test: [] };
  assert.throws(() => rmMicroBatch(model, wrong, wrong.train, parseRmSettings({}), 1, true), /Llama-family/);
  const good = writeJsonl(join(dir, "good.jsonl"), synthetic(4, 7));
  const cli = (extra: string[]) =>
    main([
      "node",
      "prefloop",
      "--quiet",
      "rm",
      "train",
      "--backbone",
      folder,
      "--data",
      good,
      "--out",
      join(dir, "o"),
      ...extra,
    ]);
  assert.notEqual(await cli(["--set", "loss=bt"]), 0);
});

test("LoRA on PairRM moves only the adapted query/key/value weights (merged) and the head", async () => {
  const model = await PairrmRewardModel.load(folder, { budget });
  const before = new Map(model.parameters().map((p) => [p.name, Float32Array.from(p.data)]));
  const settings = parseRmSettings({ use_peft: true, lora_r: 2, learning_rate: 1e-2, max_steps: 2 });
  const { data } = await buildPairrmData(synthetic(8, 8), "rows", {
    model,
    settings: { ...settings, eval_split: 0 },
  });
  await trainRewardModel({ model, data, settings, outDir: mkdtempSync(join(tmpdir(), "pf-pairrm-lora-")) });
  for (const p of model.parameters()) {
    const moved = p.data.some((x, i) => x !== before.get(p.name)?.[i]);
    const adapted = /(query|key|value)_proj\.weight$/.test(p.name) || p.name.startsWith("head_layer.");
    assert.equal(moved, adapted, p.name);
  }
});

test("prefloop rm train fine-tunes a PairRM folder and rm eval scores the result", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-pairrm-cli-"));
  const data = writeJsonl(join(dir, "pairs.jsonl"), synthetic(12, 9));
  const out = join(dir, "out");
  const base = ["node", "prefloop", "--quiet", "rm"];
  const sets = [
    "loss=pairwise",
    "max_steps=3",
    "eval_split=0.25",
    "source_maxlength=16",
    "candidate_maxlength=12",
  ];
  const code = await main([
    ...base,
    "train",
    "--backbone",
    folder,
    "--data",
    data,
    "--out",
    out,
    ...sets.flatMap((s) => ["--set", s]),
  ]);
  assert.equal(code, 0);
  const log = readFileSync(join(out, "train_log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(log.some((l) => "eval_loss" in l && "eval_accuracy" in l && "eval_margin" in l));
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(cfg.architectures, ["DebertaV2PairRM"]);
  const evalOut = join(dir, "eval");
  assert.equal(await main([...base, "eval", "--model", out, "--data", data, "--out", evalOut]), 0);
  const report = JSON.parse(readFileSync(join(evalOut, "rm_eval.json"), "utf8"));
  assert.equal(report.pairs, 12);
});

test("weakly labelled pairs (labelling functions → label model) train PairRM with mirrored soft labels", async () => {
  const model = await PairrmRewardModel.load(folder, { budget });
  const rows = synthetic(16, 10).map((p, i) =>
    i % 2
      ? { prompt: p.prompt, response_a: p.chosen, response_b: p.rejected }
      : { prompt: p.prompt, response_a: p.rejected, response_b: p.chosen },
  );
  const lfs = [await buildRanker("keywords:water"), await buildRanker("length")];
  const { data, note } = await buildPairrmData(rows, "weak.jsonl", {
    model,
    settings: parseRmSettings({ eval_split: 0 }),
    labellingFunctions: lfs,
  });
  assert.match(note, /label model/);
  const ex = data.train as PairrmExample[];
  assert.equal(ex.length, 32);
  for (let i = 0; i < ex.length; i += 2) {
    assert.ok(Math.abs(ex[i].label + ex[i + 1].label - 1) < 1e-12);
    assert.ok(ex[i].label > 0 && ex[i].label < 1, `soft label ${ex[i].label}`);
  }
  // the label model follows the "water" function: response_a is preferred on odd rows
  const agree = rows.filter((_, k) => ex[2 * k].label > 0.5 === (k % 2 === 1)).length;
  assert.ok(agree >= 14, `label model agrees with the rule on ${agree}/16`);
});
