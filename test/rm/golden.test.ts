// Loss, rewards and every parameter gradient of the BT (margin + centering, plain, soft), pointwise (BCE, MSE)
// and pairwise heads against PyTorch autograd on HF LlamaForSequenceClassification (scripts/reference/rm_ref.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseRmSettings, type RmData, rmMicroBatch } from "../../src/rm/index.js";
import { goldenDir, goldenModel } from "./fixtures.js";

interface Golden {
  center_rewards_coefficient: number;
  pairs: { chosen: number[]; rejected: number[]; margin: number; p: number }[];
  points: { ids: number[]; label: number; score: number }[];
  pairwise: { ids: number[]; left: number; right: number; label: number }[];
  cases: Record<string, { loss: number; rewards: number[]; d_rewards: number[] }>;
  grads_index: { name: string; shape: number[]; offset: number }[];
  grads_total: number;
}
const g = JSON.parse(readFileSync(join(goldenDir, "rm.json"), "utf8")) as Golden;

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

function dataFor(name: string): RmData {
  if (name.startsWith("bt")) {
    const train = g.pairs.map((p) => ({
      chosen: p.chosen,
      rejected: p.rejected,
      margin: name === "bt" ? p.margin : 0,
      soft: name === "bt_soft" ? p.p : 1,
    }));
    return { kind: "pairs", train, test: [] };
  }
  if (name.startsWith("point")) {
    const bce = name === "point_bce";
    const train = g.points.map((p) => ({ ids: p.ids, label: bce ? p.label : p.score }));
    return { kind: "points", loss: bce ? "bce" : "mse", train, test: [] };
  }
  return { kind: "pairwise", train: g.pairwise, test: [] };
}

for (const name of Object.keys(g.cases)) {
  test(`rm golden: ${name} loss, d(rewards) and every gradient match PyTorch to 1e-4`, () => {
    const model = goldenModel();
    const data = dataFor(name);
    const s = parseRmSettings({
      center_rewards_coefficient: name === "bt" ? g.center_rewards_coefficient : null,
    });
    const want = g.cases[name];
    const res = rmMicroBatch(model, data, data.train, s, 1, true);
    assert.ok(
      Math.abs(res.loss - want.loss) / Math.abs(want.loss) < 1e-4,
      `loss ${res.loss} vs ${want.loss}`,
    );
    assert.ok(relErr(res.dRewards, want.d_rewards) < 1e-4, "d(loss)/d(rewards)");
    const grads = new Float32Array(readFileSync(join(goldenDir, `grads_${name}.bin`)).buffer.slice(0));
    assert.equal(grads.length, g.grads_total);
    const byName = new Map(model.parameters().map((p) => [p.name, p]));
    for (const e of g.grads_index) {
      const p = byName.get(e.name);
      assert.ok(p?.grad, `gradient of ${e.name}`);
      const n = e.shape.reduce((a, b) => a * b, 1);
      const err = relErr(p.grad, grads.subarray(e.offset, e.offset + n));
      assert.ok(err < 1e-4, `${e.name}: relative error ${err}`);
    }
  });
}
