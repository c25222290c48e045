// Every loss type, LD-DPO and the SFT term against PyTorch autograd (scripts/reference/dpo_ref.py):
// losses, TRL metrics and d(loss)/d(token log-probs) from HF Llama's own token log-probs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { batchObjective, checkLossTypes, refRowLogps } from "../../src/train/index.js";
import { golden, maxRelErr } from "./golden.js";

const g = golden();
const [rows, tm1] = g.inputs.loss_mask.shape;
const n = rows / 2;
const mask = Uint8Array.from(g.inputs.loss_mask.data);
const refTok = Float32Array.from(g.reference_token_logps.data);
const ref = refRowLogps(refTok, mask, n, tm1);

for (const c of g.meta.cases) {
  test(`loss ${c.name} (${c.loss_type.join("+")}${c.ld_alpha === null ? "" : `, ld_alpha ${c.ld_alpha}`}) matches PyTorch`, () => {
    const gc = g.cases[c.name];
    const obj = batchObjective(Float32Array.from(gc.policy_token_logps.data), mask, n, tm1, ref, {
      lossTypes: checkLossTypes(c.loss_type, c.loss_weights),
      lossWeights: c.loss_weights,
      ldAlpha: c.ld_alpha,
      beta: c.beta,
      labelSmoothing: c.label_smoothing,
      simpoGamma: c.simpo_gamma,
    });
    assert.ok(Math.abs(obj.loss - gc.loss) / Math.abs(gc.loss) < 1e-6, `loss ${obj.loss} vs ${gc.loss}`);
    assert.ok(maxRelErr(obj.losses, gc.losses.data) < 1e-6);
    assert.ok(maxRelErr(obj.dTokenLogps, gc.dtoken_logps.data) < 1e-5, "d(loss)/d(token logps)");
    for (const [k, v] of Object.entries(gc.metrics)) {
      assert.ok(
        Math.abs(obj.metrics[k] - v) <= 1e-6 * Math.max(1, Math.abs(v)),
        `${k}: ${obj.metrics[k]} vs ${v}`,
      );
    }
  });
}

test("hinge gradient is zero past the margin, like torch.relu", () => {
  const mask1 = Uint8Array.from([1, 1]);
  const obj = batchObjective(
    Float32Array.from([0, 5]),
    mask1,
    1,
    1,
    { total: Float64Array.from([0, 0]), shared: Float64Array.from([0, 0]) },
    {
      lossTypes: ["hinge"],
      lossWeights: null,
      ldAlpha: null,
      beta: 1,
      labelSmoothing: 0,
      simpoGamma: 0,
    },
  );
  // Δ = 0 - 5 → loss 6, active; flip the pair → inactive
  assert.equal(obj.loss, 6);
  const obj2 = batchObjective(
    Float32Array.from([5, 0]),
    mask1,
    1,
    1,
    { total: Float64Array.from([0, 0]), shared: Float64Array.from([0, 0]) },
    {
      lossTypes: ["hinge"],
      lossWeights: null,
      ldAlpha: null,
      beta: 1,
      labelSmoothing: 0,
      simpoGamma: 0,
    },
  );
  assert.equal(obj2.loss, 0);
  assert.deepEqual(Array.from(obj2.dTokenLogps), [0, 0]);
});

test("unknown loss type and mismatched loss_weights are config errors naming the field", () => {
  assert.throws(() => checkLossTypes(["sigmod"], null), /loss_type: unknown loss 'sigmod'/);
  assert.throws(() => checkLossTypes(["sigmoid", "sft"], [1]), /loss_weights: expected 2 weights/);
});
