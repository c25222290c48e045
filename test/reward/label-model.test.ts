import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buildRanker,
  fitLabelModel,
  labelModelEnsemble,
  majorityVote,
  type Ranker,
} from "../../src/reward/index.js";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("label model recovers known scorer accuracies within 0.05 and beats majority vote", () => {
  const rand = rng(7);
  const n = 6000;
  const accuracies = [0.9, 0.8, 0.7, 0.65, 0.6];
  const abstain = [0.1, 0.3, 0.2, 0.0, 0.4];
  const truth = Int8Array.from({ length: n }, () => (rand() < 0.6 ? 1 : -1));
  const votes = accuracies.map((a, k) =>
    Int8Array.from(truth, (y) => (rand() < abstain[k] ? 0 : rand() < a ? y : -y)),
  );
  const fit = fitLabelModel(votes);
  fit.accuracies.forEach((a, k) => {
    assert.ok(Math.abs(a - accuracies[k]) < 0.05, `scorer ${k}: ${a} vs ${accuracies[k]}`);
  });
  assert.ok(Math.abs(fit.prior - 0.6) < 0.05, `prior ${fit.prior}`);
  const mv = majorityVote(votes);
  let mvRight = 0;
  let lmRight = 0;
  for (let i = 0; i < n; i++) {
    // majority-vote ties count half (a coin flip), as Snorkel's baseline does
    mvRight += mv[i] === 0 ? 0.5 : mv[i] === truth[i] ? 1 : 0;
    lmRight += (fit.posteriors[i] > 0.5 ? 1 : -1) === truth[i] ? 1 : 0;
  }
  console.log(
    `label model accuracy ${lmRight / n}, majority vote ${mvRight / n}, estimated ${fit.accuracies.map((a) => a.toFixed(3))}`,
  );
  assert.ok(lmRight > mvRight + 0.01 * n, `label model ${lmRight / n} vs majority ${mvRight / n}`);
});

test("label-model ensemble learns which member scorers agree with the others over a batch", async () => {
  const rand = rng(3);
  const groups = Array.from({ length: 400 }, (_, g) => ({
    prompt: `p${g}`,
    candidates: Array.from({ length: 4 }, () => String(Math.floor(rand() * 1e6))),
  }));
  const quality = (c: string) => Number(c); // hidden truth
  const noisy = (id: string, noise: number): Ranker => ({
    id,
    pointwise: true,
    score: async (_p, cands) => ({ scores: cands.map((c) => quality(c) + noise * 1e6 * (rand() - 0.5)) }),
  });
  const ens = labelModelEnsemble([
    { ranker: noisy("good", 0.1), weight: 1 },
    { ranker: noisy("ok", 0.6), weight: 1 },
    { ranker: noisy("bad", 4), weight: 1 },
  ]);
  const out = await ens.scoreBatch!(groups);
  const acc = ens.accuracies!;
  assert.ok(acc[0] > acc[1] && acc[1] > acc[2], acc.join(","));
  let right = 0;
  out.forEach((r, g) => {
    const best = r.scores.indexOf(Math.max(...r.scores));
    const trueBest = groups[g].candidates
      .map(quality)
      .indexOf(Math.max(...groups[g].candidates.map(quality)));
    right += best === trueBest ? 1 : 0;
  });
  assert.ok(right / groups.length > 0.8, `top-1 ${right / groups.length}`);
  const viaSpec = await buildRanker("label-model:length;!regex:z");
  assert.match(viaSpec.id, /^label-model:\[length/);
});
