import assert from "node:assert/strict";
import { test } from "node:test";
import { averageRanks, buildRanker, normaliseGroup } from "../../src/reward/index.js";

test("normalisation within a group: z-scores, average ranks with ties, none", () => {
  const z = normaliseGroup([1, 2, 3], "z");
  const sd = Math.sqrt(2 / 3);
  assert.deepEqual(z, [-1 / sd, 0, 1 / sd]);
  assert.deepEqual(normaliseGroup([5, 5], "z"), [0, 0]);
  assert.deepEqual(averageRanks([10, 30, 10, 20]), [0.5, 3, 0.5, 2]);
  assert.deepEqual(normaliseGroup([10, 30, 10, 20], "rank"), [0.5 / 3, 1, 0.5 / 3, 2 / 3]);
  assert.deepEqual(normaliseGroup([3, 1], "none"), [3, 1]);
});

test("weighted ensembles sum normalised member scores", async () => {
  const cands = ["aaaa please", "a", "bbbbbbbbbbbbbbbbbbbbb"];
  const r = await buildRanker({
    type: "ensemble",
    normalise: "rank",
    members: [
      { ranker: "length", weight: 1 },
      { ranker: "regex:please", weight: 3 },
    ],
  });
  // length ranks: [0.5, 0, 1]; regex ranks: [1, 0.25, 0.25]
  assert.deepEqual((await r.score("p", cands)).scores, [0.5 + 3, 0 + 0.75, 1 + 0.75]);
  const z = await buildRanker("ensemble:length;-1*length");
  assert.deepEqual((await z.score("p", cands)).scores, [0, 0, 0]);
});
