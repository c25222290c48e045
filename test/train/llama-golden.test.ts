// Loss gradients of every loss type, LoRA adapter gradients and one AdamW step on Hugging Face's own
// tiny Llama (PyTorch autograd goldens from scripts/reference/dpo_ref.py), through the models layer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CausalLM, type LlamaModel, loadModel, type Parameter } from "../../src/models/index.js";
import {
  AdamW,
  batchObjective,
  checkLossTypes,
  LoraAdapter,
  Rng,
  refRowLogps,
} from "../../src/train/index.js";
import { golden, goldenBin, goldenDir, maxRelErr } from "./golden.js";

const g = golden();
const [B, tm1] = g.inputs.loss_mask.shape;
const T = tm1 + 1;
const n = B / 2;
const logpMask = Uint8Array.from(g.inputs.loss_mask.data);
const lossMask = new Uint8Array(B * T);
for (let b = 0; b < B; b++) for (let t = 0; t < tm1; t++) lossMask[b * T + t + 1] = logpMask[b * tm1 + t];
const batch = {
  tokens: Int32Array.from(g.inputs.ids.data),
  mask: Uint8Array.from(g.inputs.attention_mask.data),
  B,
  T,
};
const ref = refRowLogps(Float32Array.from(g.reference_token_logps.data), logpMask, n, tm1);

function load(): CausalLM {
  return loadModel(goldenDir).model;
}

function gradOf(golden: Float32Array, name: string): Float32Array {
  const e = g.grads_index.params.find((p) => p.name === name);
  assert.ok(e, `golden has no ${name}`);
  const size = e.shape.reduce((a, b) => a * b, 1);
  return golden.subarray(e.offset, e.offset + size);
}

function step(model: CausalLM, c: (typeof g.meta.cases)[number]) {
  for (const p of model.parameters()) p.grad?.fill(0);
  const lp = model.tokenLogprobs(batch, lossMask, true);
  const obj = batchObjective(lp, logpMask, n, tm1, ref, {
    lossTypes: checkLossTypes(c.loss_type, c.loss_weights),
    lossWeights: c.loss_weights,
    ldAlpha: c.ld_alpha,
    beta: c.beta,
    labelSmoothing: c.label_smoothing,
    simpoGamma: c.simpo_gamma,
  });
  model.backward(obj.dTokenLogps);
  return obj;
}

const model = load();
for (const c of g.meta.cases) {
  test(`Llama parameter gradients of loss '${c.name}' match PyTorch (rel 1e-4)`, () => {
    const obj = step(model, c);
    assert.ok(
      Math.abs(obj.loss - g.cases[c.name].loss) <= 1e-5 * Math.abs(g.cases[c.name].loss),
      `loss ${obj.loss}`,
    );
    const want = goldenBin(`grads_${c.name}.bin`);
    for (const p of model.parameters()) {
      const err = maxRelErr(p.grad ?? [], gradOf(want, p.name), 1e-6);
      assert.ok(err < 1e-4, `${p.name}: rel err ${err}`);
    }
  });
}

for (const withKernel of [false, true]) {
  test(`LoRA adapter gradients match PEFT-style unmerged LoRA in PyTorch (${withKernel ? "engine matmul" : "TS loops"})`, () => {
    const m = load();
    const be = (m as LlamaModel).backend;
    const lora = new LoraAdapter(
      m.parameters(),
      { r: 4, alpha: 8, targetModules: ["q_proj", "v_proj"] },
      new Rng(1),
      withKernel ? be.matmul.bind(be) : null,
    );
    const byName = new Map<string, Parameter>(lora.parameters().map((p) => [p.name, p]));
    g.lora.names.forEach((nm, i) => {
      const p = byName.get(`${nm}.weight`);
      assert.ok(p, nm);
      p.data.set(Float32Array.from(g.lora.init[i].data));
    });
    lora.apply();
    const obj = step(m, g.meta.cases[0]);
    lora.backward();
    assert.ok(Math.abs(obj.loss - g.lora.loss) < 1e-5 * g.lora.loss);
    g.lora.names.forEach((nm, i) => {
      const p = byName.get(`${nm}.weight`);
      const err = maxRelErr(p?.grad ?? [], g.lora.grads[i].data, 1e-6);
      assert.ok(err < 1e-4, `${nm}: rel err ${err}`);
    });
  });
}

test("one AdamW step on the DPO loss equals torch.optim.AdamW on the same model", () => {
  const m = load();
  step(m, g.meta.cases[0]);
  // llama_ref-style: one param group, so torch decays every parameter
  const a = g.meta.adamw;
  const opt = new AdamW(m.parameters(), {
    beta1: a.betas[0],
    beta2: a.betas[1],
    eps: a.eps,
    weightDecay: a.weight_decay,
    decayFilter: () => true,
  });
  opt.update(a.lr);
  const want = goldenBin("params_after_adamw.bin");
  // Adam's first step moves each weight by about lr·g/(|g| + eps): where |g| is near eps the move depends
  // on the gradient's last f32 bits (summation order), so the bound is a fraction of one step, not ulps.
  let worst = 0;
  for (const p of m.parameters()) {
    const w = gradOf(want, p.name);
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(p.data[i] - w[i]));
  }
  assert.ok(worst < 0.02 * a.lr, `max |Δ| ${worst} vs lr ${a.lr}`);
});
