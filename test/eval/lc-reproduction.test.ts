// The offline LC reproduction against the published AlpacaEval 2.0 leaderboard, and the difficulty
// estimator on synthetic data with a known difficulty vector.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateDifficulty } from "../../src/eval/difficulty.js";
import { lcFromCoefficients } from "../../src/eval/glm.js";
import { lcCheck } from "../../src/eval/lc-check.js";
import { predictWinrate, readLcWeights } from "../../src/eval/lc-weights.js";
import { sigmoid } from "../../src/eval/logistic-l1.js";
import { spearman } from "../../src/eval/stats.js";
import { alpacaDir, weightsCsv } from "./shared-data.js";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

describe("LC reproduction", () => {
  it("recovers a known difficulty vector from synthetic soft preferences", () => {
    const rand = lcg(7);
    const n = 400;
    const normal = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
    const truth = Float64Array.from({ length: n }, () => 1.5 * normal());
    const coefs: [number, number, number][] = [];
    for (let m = 0; m < 12; m++) coefs.push([-1 - rand(), 0.8 + 0.4 * rand(), -3 + 4 * rand()]);
    const models = coefs.map((coef, m) => {
      const tanhDelta = Float64Array.from({ length: n }, () => Math.tanh(normal()));
      const label = Float64Array.from(tanhDelta, (t, i) =>
        sigmoid(coef[0] * t + coef[1] * truth[i]! + coef[2]),
      );
      return { name: `m${m}`, tanhDelta, label, coef };
    });
    const est = estimateDifficulty(models);
    // MAP estimates shrink towards the prior mean, so compare ranks and the fitted prior's scale.
    const rho = spearman(Array.from(est.difficulty), Array.from(truth));
    assert.ok(rho > 0.95, `rank correlation with the truth ${rho}`);
    // What the LC needs: the difficulty distribution, seen through each model's σ(b·d + c).
    for (const [b, c] of coefs.map((k) => [k[1], k[2]] as const)) {
      const [lcTrue] = lcFromCoefficients(truth, b, c);
      const [lcEst] = lcFromCoefficients(est.difficulty, b, c);
      assert.ok(Math.abs(lcTrue - lcEst) < 4, `LC ${lcEst} vs ${lcTrue}`);
    }
  });

  it("predict_winrate: a model against itself is 50, and the comparison is antisymmetric", async () => {
    const w = await readLcWeights(weightsCsv);
    const d = Float64Array.from({ length: 805 }, (_, i) => Math.sin(i));
    assert.ok(Math.abs(predictWinrate(w, "claude-2.1", "claude-2.1", d) - 50) < 1e-12);
    const ab = predictWinrate(w, "claude-2.1", "alpaca-7b", d);
    const ba = predictWinrate(w, "alpaca-7b", "claude-2.1", d);
    assert.ok(Math.abs(ab + ba - 100) < 1e-9);
  });

  it("lands within 2 points of the published LC with rank correlation >= 0.95", async () => {
    const r = await lcCheck(alpacaDir);
    assert.equal(r.refit.length, 6);
    for (const s of [r.summary.refit, r.summary.sharedCoefficients, r.summary.allCoefficients]) {
      assert.ok(s.mae <= 2, `MAE ${s.mae}`);
      assert.ok(s.spearman >= 0.95, `rank correlation ${s.spearman}`);
    }
    assert.ok(r.summary.allCoefficients.n > 190);
    // rank agreement of the refit LCs with the published ones, recomputed here
    assert.equal(
      spearman(
        r.refit.map((x) => x.published),
        r.refit.map((x) => x.reproduced),
      ),
      r.summary.refit.spearman,
    );
  });
});
