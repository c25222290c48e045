// Reward models learn a known rule: on random strings, the response with more 'a's is preferred. Bradley–Terry
// from hard pairs passes 95% held-out accuracy; the weak-supervision path (three noisy labelling functions →
// label model → soft-label BT) beats every labelling function alone on held-out gold labels.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Ranker } from "../../src/reward/index.js";
import {
  evaluateRm,
  type PairExample,
  parseRmSettings,
  type RmData,
  randomRewardModel,
  sequenceIds,
  trainRewardModel,
  weakLabels,
} from "../../src/rm/index.js";
import { charAssets, countA, hashUnit, randomText, tinyConfig } from "./fixtures.js";

const assets = charAssets(48);
const settings = {
  learning_rate: 3e-3,
  num_train_epochs: 4,
  per_device_train_batch_size: 16,
  warmup_ratio: 0.05,
  logging_steps: 20,
};

/** n pairs (a, b) with different 'a' counts; gold = a has more. */
function pairs(n: number, seed: number): { a: string; b: string; gold: boolean }[] {
  const out: { a: string; b: string; gold: boolean }[] = [];
  for (let i = 0; out.length < n; i++) {
    const a = randomText(seed, 2 * i);
    const b = randomText(seed, 2 * i + 1);
    if (countA(a) !== countA(b)) out.push({ a, b, gold: countA(a) > countA(b) });
  }
  return out;
}

const ex = (p: { a: string; b: string; gold: boolean }, soft = 1): PairExample => ({
  chosen: sequenceIds(assets, "", p.gold ? p.a : p.b, 64),
  rejected: sequenceIds(assets, "", p.gold ? p.b : p.a, 64),
  margin: 0,
  soft,
});

test("BT reward model learns 'more a is better' to > 95% held-out accuracy", async () => {
  const model = randomRewardModel(tinyConfig, assets, 1);
  const data: RmData = {
    kind: "pairs",
    train: pairs(600, 1).map((p) => ex(p)),
    test: pairs(200, 2).map((p) => ex(p)),
  };
  const before = evaluateRm(model, data, parseRmSettings({}), data.test).accuracy;
  const res = await trainRewardModel({
    model,
    data,
    settings,
    outDir: mkdtempSync(join(tmpdir(), "rm-syn-")),
  });
  const acc = res.eval?.eval_accuracy ?? 0;
  console.log(`synthetic BT: held-out accuracy ${before.toFixed(3)} -> ${acc.toFixed(3)}`);
  assert.ok(acc > 0.95, `held-out accuracy ${acc}`);
});

test("weak supervision: three noisy labelling functions -> label model -> reward model beats each LF", async () => {
  // LF k scores count('a') + σ_k·noise(text): noisy, conditionally independent labelling functions
  const lf = (k: number, sigma: number): Ranker => ({
    id: `lf${k}`,
    pointwise: true,
    async score(_prompt, cands) {
      return { scores: cands.map((c) => countA(c) + sigma * (hashUnit(c, 100 + k) - 0.5) * 3.46) };
    },
  });
  const lfs = [lf(1, 1.4), lf(2, 1.6), lf(3, 1.8)];
  const train = pairs(600, 3);
  const test_ = pairs(300, 4);
  // orientation of stored pairs: a/b as drawn (the label model does not know gold)
  const weak = await weakLabels(
    train.map((p) => ({ prompt: "", a: p.a, b: p.b })),
    lfs,
  );
  const toEx = (p: { a: string; b: string }, q: number): PairExample => ({
    chosen: sequenceIds(assets, "", p.a, 64),
    rejected: sequenceIds(assets, "", p.b, 64),
    margin: 0,
    soft: q,
  });
  const gold = test_.map((p) => ex(p));
  const model = randomRewardModel(tinyConfig, assets, 2);
  const data: RmData = { kind: "pairs", train: train.map((p, i) => toEx(p, weak.soft[i])), test: gold };
  const res = await trainRewardModel({
    model,
    data,
    settings,
    outDir: mkdtempSync(join(tmpdir(), "rm-weak-")),
  });
  const rmAcc = res.eval?.eval_accuracy ?? 0;
  // each LF alone on the held-out gold labels (abstentions count as half right)
  const lfAcc: number[] = [];
  for (const r of lfs) {
    let right = 0;
    for (const p of test_) {
      const { scores } = await r.score("", [p.a, p.b]);
      const d = Math.sign(scores[0] - scores[1]);
      right += d === 0 ? 0.5 : d > 0 === p.gold ? 1 : 0;
    }
    lfAcc.push(right / test_.length);
  }
  let lmRight = 0;
  train.forEach((p, i) => {
    lmRight += weak.soft[i] > 0.5 === p.gold ? 1 : 0;
  });
  console.log(
    `weak supervision: LF held-out accuracies ${lfAcc.map((a) => a.toFixed(3)).join(", ")}; label model on train ${(lmRight / train.length).toFixed(3)}; reward model held-out ${rmAcc.toFixed(3)}`,
  );
  for (const a of lfAcc) assert.ok(rmAcc > a, `reward model ${rmAcc} vs LF ${a}`);
});
