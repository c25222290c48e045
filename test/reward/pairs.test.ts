import assert from "node:assert/strict";
import { test } from "node:test";
import { buildPair, pairStrategySchema } from "../../src/reward/index.js";

const strat = (s: Record<string, unknown> = {}) => pairStrategySchema.parse(s);
const group = { promptId: "p1", candidates: ["a", "bb", "ccc", "dddd"], scores: [0.2, 0.9, 0.1, 0.5] };

test("best-vs-worst picks the extremes", () => {
  const p = buildPair(group, strat());
  assert.deepEqual(p && [p.chosenIndex, p.rejectedIndex, p.chosen, p.rejected], [1, 2, "bb", "ccc"]);
  assert.equal(p?.scoreChosen, 0.9);
});

test("best-vs-random is seeded per prompt, never the best, and covers the others", () => {
  const s = strat({ select: "best-vs-random", seed: 1 });
  const a = buildPair(group, s);
  assert.deepEqual(buildPair(group, s), a);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const p = buildPair({ ...group, promptId: `p${i}` }, s);
    assert.ok(p && p.chosenIndex === 1 && p.rejectedIndex !== 1);
    seen.add(p.rejectedIndex);
  }
  assert.deepEqual([...seen].sort(), [0, 2, 3]);
});

test("tie filtering, minimum margin, tiny groups", () => {
  assert.equal(buildPair({ promptId: "t", candidates: ["a", "b"], scores: [1, 1] }, strat()), null);
  assert.ok(buildPair({ promptId: "t", candidates: ["a", "b"], scores: [1, 1] }, strat({ dropTies: false })));
  assert.equal(buildPair(group, strat({ minMargin: 0.85 })), null);
  assert.ok(buildPair(group, strat({ minMargin: 0.8 })));
  assert.equal(buildPair({ promptId: "t", candidates: ["a"], scores: [1] }, strat()), null);
  // best-vs-random with ties to the best: only strictly lower candidates are eligible
  const tied = { promptId: "x", candidates: ["a", "b", "c"], scores: [1, 1, 0] };
  assert.equal(buildPair(tied, strat({ select: "best-vs-random" }))?.rejectedIndex, 2);
});

test("length-ratio window pairs only candidates of comparable length", () => {
  const g = {
    promptId: "r",
    candidates: ["x".repeat(100), "y".repeat(10), "z".repeat(60), "w".repeat(120)],
    scores: [3, 0, 1, 2],
  };
  const p = buildPair(g, strat({ maxLengthRatio: 2 }));
  assert.deepEqual(p && [p.chosenIndex, p.rejectedIndex], [0, 2]);
  // within 1.25 of the best (100 chars) only the 120-char candidate, which scores lower
  const q = buildPair(g, strat({ maxLengthRatio: 1.25 }));
  assert.deepEqual(q && [q.chosenIndex, q.rejectedIndex], [0, 3]);
  assert.equal(buildPair(g, strat({ maxLengthRatio: 1.1 })), null);
});

test("buildPair invariants on random groups (fast-check)", async () => {
  const fc = (await import("fast-check")).default;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: -5, max: 5 })), {
        minLength: 2,
        maxLength: 8,
      }),
      fc.constantFrom("best-vs-worst", "best-vs-random"),
      fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: undefined }),
      fc.double({ min: 0, max: 3, noNaN: true }),
      (rows, select, maxLengthRatio, minMargin) => {
        const g = { promptId: "q", candidates: rows.map((r) => r[0]), scores: rows.map((r) => r[1]) };
        const p = buildPair(g, strat({ select, maxLengthRatio, minMargin }));
        const spread = Math.max(...g.scores) - Math.min(...g.scores);
        if (spread === 0 || spread < minMargin) assert.equal(p, null);
        else if (maxLengthRatio === undefined) assert.ok(p, "a spread above the margin always yields a pair");
        if (!p) return;
        assert.notEqual(p.chosenIndex, p.rejectedIndex);
        assert.ok(p.scoreChosen > p.scoreRejected);
        assert.ok(p.scoreChosen - p.scoreRejected >= minMargin);
        if (maxLengthRatio === undefined) {
          assert.equal(p.scoreChosen, Math.max(...g.scores));
        } else {
          const a = [...p.chosen].length;
          const b = [...p.rejected].length;
          assert.ok(Math.max(a, b) / Math.min(a, b) <= maxLengthRatio);
        }
        if (select === "best-vs-worst" && maxLengthRatio === undefined) {
          assert.equal(p.scoreRejected, Math.min(...g.scores));
        }
      },
    ),
    { numRuns: 500, seed: 42 },
  );
});
