// Fine-tuning PairRM against PyTorch (scripts/reference/rm_pairrm_ref.py: HF DeBERTa-v2 + llm-blender's
// DebertaV2PairRM head and compute_loss, autograd in float64): the collated rows of both orders of each pair, the
// logits, the loss and the gradient of every parameter, on the TypeScript and the native backend.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { PairrmRewardModel, parseRmSettings, type RmData, rmMicroBatch } from "../../src/rm/index.js";

const dir = join(import.meta.dirname, "..", "golden", "rm-pairrm");
interface Golden {
  source_max: number;
  candidate_max: number;
  pairs: { prompt: string; chosen: string; rejected: string }[];
  rows: number[][];
  labels: number[];
  loss: number;
  logits: number[];
  grads_index: { name: string; shape: number[]; offset: number }[];
  grads_total: number;
}
const g = JSON.parse(readFileSync(join(dir, "rm_pairrm.json"), "utf8")) as Golden;
const budget = { sourceMax: g.source_max, candidateMax: g.candidate_max };

/** ‖a − b‖ / ‖b‖, with `floor` under ‖b‖ for tensors whose exact value is 0 (rounding noise only). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), floor);
}

const native = getNativeBackend();
const backends = [getTsBackend(), ...(native ? [native] : [])];

for (const be of backends) {
  test(`pairrm fine-tuning (${be.name}): rows, logits, loss and every gradient match PyTorch to 1e-4`, async () => {
    const model = await PairrmRewardModel.load(dir, { backend: be, budget });
    // the rows are upstream's collation of both orders
    const rows = g.pairs.flatMap((p) => model.pairRows(p.prompt, p.chosen, p.rejected));
    assert.deepEqual(rows, g.rows);
    const data: RmData = {
      kind: "pairrm",
      train: rows.map((ids, i) => ({ ids, label: g.labels[i] > 0 ? 1 : 0 })),
      test: [],
    };
    const res = rmMicroBatch(model, data, data.train, parseRmSettings({}), 1, true);
    assert.ok(Math.abs(res.loss - g.loss) / g.loss < 1e-4, `loss ${res.loss} vs ${g.loss}`);
    const logits = model.pairrm.logitsOfRows(rows);
    assert.ok(relErr(logits, g.logits) < 1e-4, `logits ${logits} vs ${g.logits}`);
    const grads = new Float32Array(readFileSync(join(dir, "grads.bin")).buffer.slice(0));
    assert.equal(grads.length, g.grads_total);
    // The last head layer's bias cancels in logit = left − right, so its exact gradient is 0 and only
    // float32 rounding is left: measure every tensor's error against the whole gradient's norm at least.
    const floor = Math.hypot(...grads);
    const byName = new Map(model.parameters().map((p) => [p.name, p]));
    // every parameter PyTorch trains is trained here, and nothing else
    assert.deepEqual([...byName.keys()].sort(), g.grads_index.map((e) => e.name).sort());
    for (const e of g.grads_index) {
      const p = byName.get(e.name);
      assert.ok(p?.grad, `gradient of ${e.name}`);
      assert.deepEqual(p.shape, e.shape);
      const n = e.shape.reduce((a, b) => a * b, 1);
      const err = relErr(p.grad.subarray(0, n), grads.subarray(e.offset, e.offset + n), 1e-3 * floor);
      assert.ok(err < 1e-4, `${e.name}: relative error ${err}`);
    }
  });
}
