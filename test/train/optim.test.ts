// AdamW, schedules and clipping against torch.optim.AdamW, HF get_*_schedule_with_warmup and
// torch.nn.utils.clip_grad_norm_ (golden values from scripts/reference/dpo_ref.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Parameter } from "../../src/models/causal-lm.js";
import { AdamW, clipGradNorm, learningRate, type ScheduleKind } from "../../src/train/index.js";
import { golden, maxRelErr } from "./golden.js";

const g = golden();

test("AdamW: three steps equal torch.optim.AdamW (params and both moments)", () => {
  const a = g.adamw_arrays;
  const p: Parameter = {
    name: "w",
    shape: [a.p0.data.length],
    data: Float32Array.from(a.p0.data),
    grad: null,
  };
  const opt = new AdamW([p], {
    beta1: a.hyper.betas[0],
    beta2: a.hyper.betas[1],
    eps: a.hyper.eps,
    weightDecay: a.hyper.weight_decay,
  });
  a.grads.forEach((gr, k) => {
    p.grad = Float32Array.from(gr.data);
    opt.update(a.hyper.lr);
    const err = maxRelErr(p.data, a.after[k].data, 1e-6);
    assert.ok(err < 1e-6, `step ${k + 1}: rel err ${err}`);
  });
  assert.ok(maxRelErr(opt.m[0], a.exp_avg.data) < 1e-6);
  assert.ok(maxRelErr(opt.v[0], a.exp_avg_sq.data) < 1e-6);
  assert.equal(opt.step, 3);
});

test("AdamW skips weight decay on norm weights and biases (HF Trainer grouping)", () => {
  const mk = (name: string): Parameter => ({
    name,
    shape: [1],
    data: Float32Array.of(1),
    grad: Float32Array.of(0),
  });
  const ps = [
    mk("model.norm.weight"),
    mk("model.layers.0.self_attn.q_proj.bias"),
    mk("model.layers.0.mlp.up_proj.weight"),
  ];
  new AdamW(ps, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5 }).update(0.1);
  assert.equal(ps[0].data[0], 1);
  assert.equal(ps[1].data[0], 1);
  assert.equal(ps[2].data[0], Math.fround(0.95));
});

test("linear and cosine schedules with warmup equal HF transformers' LambdaLR values", () => {
  for (const [key, s] of Object.entries(g.schedules)) {
    const kind = key.split("_")[0] as ScheduleKind;
    s.lrs.forEach((want, k) => {
      const got = learningRate(kind, s.base_lr, k, s.warmup, s.total);
      assert.ok(Math.abs(got - want) < 1e-12, `${key} step ${k}: ${got} vs ${want}`);
    });
  }
});

test("global-norm clipping returns the pre-clip norm and scales like clip_grad_norm_", () => {
  const c = g.clip;
  const ps: Parameter[] = c.grads.map((gr, i) => ({
    name: `p${i}`,
    shape: [gr.data.length],
    data: new Float32Array(gr.data.length),
    grad: Float32Array.from(gr.data),
  }));
  const norm = clipGradNorm(ps, c.max_norm);
  assert.ok(Math.abs(norm - c.norm) / c.norm < 1e-6);
  ps.forEach((p, i) => {
    assert.ok(maxRelErr(p.grad ?? [], c.after[i].data) < 1e-6);
  });
});
