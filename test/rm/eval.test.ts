// rm eval numbers against hand-computed values: accuracy with ties, calibration bins of σ(margin) in both
// orientations, length strata, prefer-the-longer baseline, agreement; the pairwise-head ranker's matrix is
// antisymmetric in expectation of its construction; the reliability diagram renders to SVG.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type PairText,
  randomRewardModel,
  reliabilitySpec,
  renderSvg,
  rewardModelRanker,
  rmEvalReport,
} from "../../src/rm/index.js";
import { charAssets, tinyConfig } from "./fixtures.js";

const pair = (chosen: string, rejected: string): PairText => ({
  prompt: "p",
  chosen,
  rejected,
  margin: 0,
  preference: 1,
});

test("rm eval: accuracy, ties, calibration, length strata, baselines and agreement", () => {
  const pairs = [
    pair("a".repeat(300), "b"),
    pair("c", "d".repeat(150)),
    pair("e", "f"),
    pair("g".repeat(10), "h"),
  ];
  // margins: +2 (right), -1 (wrong), 0 (tie), +0.5 (right)
  const scores: [number, number][] = [
    [2, 0],
    [0, 1],
    [3, 3],
    [1, 0.5],
  ];
  const other: [number, number][] = [
    [1, 0],
    [1, 0],
    [0, 1],
    [1, 0],
  ];
  const r = rmEvalReport(pairs, scores, { id: "other", scores: other });
  assert.equal(r.accuracy, (1 + 0 + 0.5 + 1) / 4);
  assert.equal(r.ties, 1);
  assert.equal(r.mean_margin, (2 - 1 + 0 + 0.5) / 4);
  // prefer-the-longer: chosen longer in pairs 1 and 4, shorter in 2, equal in 3 (half)
  assert.equal(r.baselines.prefer_longer, (1 + 0 + 0.5 + 1) / 4);
  // the model picks the longer one in 1 and 4, the longer (rejected) in 2 too (it prefers rejected), tie in 3
  assert.equal(r.prefers_longer, (1 + 1 + 0.5 + 1) / 4);
  const total = r.calibration.bins.reduce((s, b) => s + b.count, 0);
  assert.equal(total, 8);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const top = r.calibration.bins[8]; // σ(2) = 0.881
  assert.equal(top.count, 1);
  assert.ok(Math.abs(top.predicted - sig(2)) < 1e-12);
  assert.equal(top.observed, 1);
  const mid = r.calibration.bins[5]; // the tie: σ(0) = 0.5 in both orientations (observed 1 and 0)
  assert.equal(mid.count, 2);
  assert.equal(mid.observed, 0.5);
  assert.equal(r.calibration.bins[9].count, 0);
  assert.equal(r.by_length_difference.find((s) => s.label.startsWith("within"))?.count, 2);
  assert.equal(r.by_length_difference.find((s) => s.label.startsWith("chosen 100–500 longer"))?.accuracy, 1);
  assert.equal(r.by_length_difference.find((s) => s.label.startsWith("chosen 100–500 shorter"))?.accuracy, 0);
  assert.deepEqual(r.agreement, { ranker: "other", agreement: 0.5, accuracy: 0.75 });
});

test("pairwise-head ranker: matrix of left − right logits, scores sum to zero; reliability SVG renders", async () => {
  const m = randomRewardModel(tinyConfig, charAssets(48), 5);
  const pw = new (m.constructor as typeof import("../../src/rm/index.js").RewardModel)(
    m.trunk,
    m.score.data,
    m.assets,
    "pairwise",
  );
  const out = await rewardModelRanker(pw, "x").score("prompt", ["abc", "abcdef", "xyz"]);
  assert.ok(out.matrix);
  assert.equal(out.scores.length, 3);
  assert.ok(Math.abs(out.scores.reduce((a, b) => a + b, 0)) < 1e-6);
  assert.equal(out.matrix[1][1], 0);
  const r = rmEvalReport([pair("aa", "b")], [[1, 0]]);
  const svg = await renderSvg(reliabilitySpec(r, "test"));
  assert.match(svg, /^<svg/);
  assert.match(svg, /reliability/);
});
