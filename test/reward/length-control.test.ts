import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPairrmSample, loadUltraFeedbackSample, modesFor } from "../../scripts/length-control-figures.js";
import { applyLengthControl, fitLine, lengthControlSchema, lengthStudy } from "../../src/reward/index.js";
import { sharedDir } from "../shared-dir.js";

test("penalty and residual controls by their formulas", () => {
  const groups = [
    { candidates: ["aa", "aaaa"], scores: [1, 3] },
    { candidates: ["a", "aaa"], scores: [0, 2] },
  ];
  const pen = applyLengthControl(groups, lengthControlSchema.parse({ mode: "penalty", lambda: 0.5, per: 1 }));
  assert.deepEqual(pen, [
    [0, 1],
    [-0.5, 0.5],
  ]);
  // score = length − 1 exactly, so every residual is 0
  assert.deepEqual(fitLine([2, 4, 1, 3], [1, 3, 0, 2]), { intercept: -1, slope: 1 });
  const res = applyLengthControl(groups, { mode: "residual", unit: "chars" });
  for (const row of res) for (const v of row) assert.ok(Math.abs(v) < 1e-12);
  assert.deepEqual(applyLengthControl(groups, lengthControlSchema.parse(undefined)), [
    [1, 3],
    [0, 2],
  ]);
});

test("on UltraFeedback and the PairRM sample every mode lowers the length gap and keeps most pairs", () => {
  for (const [name, rows] of [
    ["ultrafeedback", loadUltraFeedbackSample(sharedDir)],
    ["pairrm", loadPairrmSample(sharedDir)],
  ] as const) {
    const [base, ...modes] = modesFor(name).map((m) => ({
      m,
      r: lengthStudy(rows, m.control, m.maxLengthRatio ? { maxLengthRatio: m.maxLengthRatio } : {}),
    }));
    assert.equal(base.r.agreement, 1);
    for (const { m, r } of modes) {
      const where = `${name} / ${m.name}: ${JSON.stringify(r)}`;
      if (name === "ultrafeedback") {
        // GPT-4 preferences favour the longer answer; every control must shrink that gap.
        assert.ok(base.r.meanLengthDiff > 100, where);
        assert.ok(r.meanLengthDiff < base.r.meanLengthDiff, where);
        assert.ok(r.agreement > 0.5, where);
      } else {
        // This PairRM sample has no length bias to remove (24/50 chosen are longer); controls must not add one.
        assert.ok(r.meanLengthDiff <= base.r.meanLengthDiff, where);
        assert.ok(r.agreement >= 0.75, where);
      }
      if (m.maxLengthRatio) assert.ok(r.meanAbsLengthDiff < base.r.meanAbsLengthDiff, where);
    }
  }
});
