// PairRM aggregation on hand-computed matrices: llm-blender's max_logits scores, ranks with shared ties,
// compare(A, B), and the seeded bubble pass (2(N−1) comparisons, the strict winner always ends last).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bubbleBest,
  compareFromMatrix,
  ranksFromScores,
  scoresFromMatrix,
  seededPermutation,
} from "../../src/reward/index.js";

test("scores are mean_j (M[i,j] - M[j,i]) over all N columns", () => {
  const m = [
    [0, 1, 2],
    [0.5, 0, -1],
    [3, 0, 0],
  ];
  const s = scoresFromMatrix(m);
  const want = [-1 / 6, -0.5, 2 / 3];
  s.forEach((v, i) => {
    assert.ok(Math.abs(v - want[i]) < 1e-12, `${i}: ${v}`);
  });
  assert.equal(compareFromMatrix(m, 0, 2), 2 - 3);
  assert.deepEqual(ranksFromScores(s), [2, 3, 1]);
});

test("ties share the better rank", () => {
  assert.deepEqual(ranksFromScores([3, 1, 3, 2]), [1, 4, 1, 3]);
  assert.deepEqual(ranksFromScores([0, 0]), [1, 1]);
});

test("bubble pass: 2(N-1) comparisons, strict winner last, seeded and reproducible", async () => {
  // candidate 2 beats everyone; the rest by index
  const strength = [1, 0, 5, 3];
  for (let seed = 0; seed < 10; seed++) {
    let calls = 0;
    const { order, comparisons } = await bubbleBest(4, seed, async (a, b) => {
      calls++;
      return strength[a] - strength[b];
    });
    assert.equal(order[3], 2);
    assert.equal(comparisons, 6);
    assert.equal(calls, 3);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3]);
  }
  assert.deepEqual(seededPermutation(5, 7), seededPermutation(5, 7));
  assert.notDeepEqual(seededPermutation(8, 1), seededPermutation(8, 2));
});
