// The GLM fit (L1 logistic regression, soft labels, sample weights, GroupKFold CV) against scikit-learn
// golden output from scripts/reference/lc_ref.py on the same design matrices.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readAnnotations } from "../../src/eval/annotations.js";
import { fitGlmCv, glmDesign, lcFromCoefficients } from "../../src/eval/glm.js";
import { gamedRowsFromCoefficients, rowsOf } from "../../src/eval/lc.js";
import { readLcWeights } from "../../src/eval/lc-weights.js";
import { alpacaDir, weightsCsv } from "./shared-data.js";

interface Fit {
  coef: number[];
  best_c: number;
  cv_loss: number[];
  lc: number;
  lc_se: number;
}
interface Case {
  model: string;
  variant: "noreg" | "v1";
  n: number;
  column_sums: number[];
  label_sum: number;
  weight_sum: number;
  exact: Fit;
  liblinear: Fit;
}
const golden = JSON.parse(
  readFileSync(join(import.meta.dirname, "../golden/eval/lc_sklearn.json"), "utf8"),
) as {
  difficulty: number[];
  cases: Case[];
};

const outputs = (m: string): string[] =>
  (
    JSON.parse(readFileSync(join(alpacaDir, "results", m, "model_outputs.json"), "utf8")) as {
      output: string;
    }[]
  ).map((r) => r.output);

describe("length-controlled GLM vs scikit-learn", async () => {
  const d = golden.difficulty;
  const weights = await readLcWeights(weightsCsv);
  const ref = outputs("gpt4_1106_preview");
  const gamed = ["gpt4_1106_preview_verbose", "gpt4_1106_preview_concise"].map((g) =>
    gamedRowsFromCoefficients(ref, outputs(g), weights.get(g)!, d),
  );
  for (const c of golden.cases) {
    it(`${c.model} (${c.variant}): same design, coefficients and LC to 1e-4`, async () => {
      const file = await readAnnotations(
        join(alpacaDir, "results", c.model, "weighted_alpaca_eval_gpt4_turbo/annotations.json"),
      );
      const des = glmDesign(rowsOf(file), d, c.variant === "v1" ? gamed : [], c.variant === "v1" ? 0.2 : 0);
      assert.equal(des.n, c.n);
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let i = 0; i < des.n; i++) s += des.x[i * 3 + k]!;
        assert.ok(Math.abs(s - c.column_sums[k]!) < 1e-8, `column ${k} sum ${s} vs ${c.column_sums[k]}`);
      }
      assert.ok(Math.abs(des.y.reduce((a, b) => a + b, 0) - c.label_sum) < 1e-8, "labels");
      assert.ok(Math.abs(des.w.reduce((a, b) => a + b, 0) - c.weight_sum) < 1e-8, "weights");

      const fit = fitGlmCv(des);
      assert.equal(fit.bestC, c.exact.best_c, "chosen C");
      for (const [k, l] of fit.cvLoss.entries())
        assert.ok(Math.abs(l - c.exact.cv_loss[k]!) < 1e-6, `cv loss ${k}`);
      for (const [k, v] of fit.coef.entries())
        assert.ok(Math.abs(v - c.exact.coef[k]!) < 1e-4, `coef ${k}: ${v} vs ${c.exact.coef[k]}`);
      const [lc, se] = lcFromCoefficients(d, fit.coef[1], fit.coef[2]);
      assert.ok(Math.abs(lc - c.exact.lc) < 1e-4, `LC ${lc} vs ${c.exact.lc}`);
      assert.ok(Math.abs(se - c.exact.lc_se) < 1e-4, `LC SE ${se} vs ${c.exact.lc_se}`);
      // liblinear stops at tol 1e-4 (upstream's setting): its LC is within a few hundredths of the optimum.
      assert.ok(Math.abs(lc - c.liblinear.lc) < 0.1, `liblinear LC ${c.liblinear.lc}`);
    });
  }
});
