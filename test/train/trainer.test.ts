// The DPO loop end to end on a bigram test model: learning a known preference rule, reference cache,
// exact resume from a checkpoint, the NaN guard and LoRA.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type DpoSettingsInput, NumericError, trainDpo } from "../../src/train/index.js";
import { PrefloopError } from "../../src/util/errors.js";
import { successorTask } from "./synthetic.js";
import { BigramLM, wordTokenizer } from "./tiny-lm.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "pf-train-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base: DpoSettingsInput = {
  beta: 0.1,
  learning_rate: 0.05,
  lr_scheduler_type: "cosine",
  warmup_ratio: 0.1,
  num_train_epochs: 3,
  per_device_train_batch_size: 8,
  gradient_accumulation_steps: 2,
  max_length: 64,
  max_prompt_length: 32,
  logging_steps: 1,
  eval_steps: 10,
  save_steps: 4,
  weight_decay: 0.01,
};
const trainRows = successorTask(160, 1);
const testRows = successorTask(60, 2);

test("DPO learns a known preference rule: held-out reward accuracy > 90%", async () => {
  const out = tmp();
  const model = new BigramLM(64, 8, 7);
  const r = await trainDpo({
    model,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: base,
    outDir: out,
  });
  assert.ok(r.eval !== null);
  const acc = r.eval["eval_rewards/accuracies"];
  assert.ok(acc > 0.9, `held-out accuracy ${acc}`);
  const lines = readFileSync(r.trainLogPath, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const first = lines[0];
  for (const k of [
    "loss",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/accuracies",
    "rewards/margins",
    "logps/chosen",
    "logps/rejected",
    "logits/chosen",
    "logits/rejected",
    "grad_norm",
    "learning_rate",
  ]) {
    assert.ok(typeof first[k] === "number", `train_log.jsonl lacks ${k}`);
  }
  // first step: policy == reference, so the sigmoid loss is log 2 and the warmup lr is 0
  assert.ok(Math.abs(first.loss - Math.log(2)) < 1e-6);
  assert.equal(first.learning_rate, 0);
  assert.equal(r.steps, 30); // 160 pairs / 8 = 20 micro-batches, /2 = 10 steps per epoch, 3 epochs
  assert.ok(lines.some((l) => "eval_loss" in l));
});

test("reference log-probs are computed once and read back from the cache", async () => {
  const out = tmp();
  const s = { ...base, num_train_epochs: 1, save_steps: 0, eval_steps: 0 };
  const m1 = new BigramLM(64, 8, 7);
  await trainDpo({
    model: m1,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: s,
    outDir: out,
  });
  const m2 = new BigramLM(64, 8, 7);
  await trainDpo({
    model: m2,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: s,
    outDir: out,
    resume: false,
  });
  assert.ok(m1.calls.eval > 0);
  // second run: only the final evaluation's forwards, no reference pass over the training pairs
  assert.ok(m2.calls.eval < m1.calls.eval, `${m2.calls.eval} vs ${m1.calls.eval}`);
  assert.deepEqual(
    m1.params.map((p) => Array.from(p.data)),
    m2.params.map((p) => Array.from(p.data)),
  );
});

test("stop, then resume from the last checkpoint: same log and bit-identical weights", async () => {
  const whole = tmp();
  const a = new BigramLM(64, 8, 7);
  await trainDpo({
    model: a,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: base,
    outDir: whole,
  });
  const split = tmp();
  const b1 = new BigramLM(64, 8, 7);
  const r1 = await trainDpo({
    model: b1,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: base,
    outDir: split,
    stopAfterSteps: 14,
  });
  assert.equal(r1.steps, 14);
  const b2 = new BigramLM(64, 8, 7); // a fresh process would rebuild the model from its starting weights
  const r2 = await trainDpo({
    model: b2,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    settings: base,
    outDir: split,
  });
  assert.equal(r2.resumedFrom, 12);
  a.params.forEach((p, i) => {
    assert.deepEqual(Buffer.from(b2.params[i].data.buffer), Buffer.from(p.data.buffer), p.name);
  });
  const norm = (d: string) => readFileSync(join(d, "train_log.jsonl"), "utf8");
  assert.equal(norm(split), norm(whole));
});

test("NaN in the loss stops with a numeric error naming the last good checkpoint", async () => {
  const out = tmp();
  const model = new BigramLM(64, 8, 7);
  model.nanAtTrainCall = 11; // step 6 (2 micro-batches per step); checkpoint at step 4
  await assert.rejects(
    trainDpo({ model, tokenizer: wordTokenizer, template: null, trainRows, settings: base, outDir: out }),
    (e: unknown) =>
      e instanceof NumericError && /step 6: loss is NaN/.test(e.message) && /checkpoint-4/.test(e.hint ?? ""),
  );
});

test("LoRA trains only adapters and merges them into the weights", async () => {
  const out = tmp();
  const model = new BigramLM(64, 8, 7);
  const e0 = Float32Array.from(model.params[0].data);
  const w0 = Float32Array.from(model.params[1].data);
  const r = await trainDpo({
    model,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    testRows,
    outDir: out,
    settings: {
      ...base,
      use_peft: true,
      lora_r: 4,
      lora_alpha: 8,
      lora_target_modules: ["q_proj"],
      learning_rate: 0.05,
    },
  });
  assert.deepEqual(model.params[0].data, e0, "non-target weights are frozen");
  assert.notDeepEqual(model.params[1].data, w0, "target weights hold W0 + s·B·A");
  assert.ok((r.eval?.["eval_rewards/accuracies"] ?? 0) > 0.7);
});

test("a wrong setting is a config error naming the field", async () => {
  await assert.rejects(
    trainDpo({
      model: new BigramLM(64, 8, 7),
      tokenizer: wordTokenizer,
      template: null,
      trainRows,
      outDir: tmp(),
      settings: { ...base, max_prompt_length: 64 },
    }),
    /max_prompt_length: must be smaller than max_length/,
  );
});

test("an aborted signal stops with a cancelled error; wrong-sized refLogps is a config error", async () => {
  const ac = new AbortController();
  ac.abort();
  const opts = { tokenizer: wordTokenizer, template: null, trainRows, settings: base };
  await assert.rejects(
    trainDpo({ ...opts, model: new BigramLM(64, 8, 7), outDir: tmp(), signal: ac.signal }),
    (e: unknown) => e instanceof PrefloopError && e.code === "cancelled",
  );
  await assert.rejects(
    trainDpo({ ...opts, model: new BigramLM(64, 8, 7), outDir: tmp(), refLogps: { train: [], test: [] } }),
    /refLogps: expected 160 train and 0 test entries/,
  );
});

test("rpo_alpha equals loss_type [sigmoid, sft] with loss_weights [1, alpha]", async () => {
  const s = { ...base, num_train_epochs: 1, save_steps: 0, eval_steps: 0 };
  const a = new BigramLM(64, 8, 7);
  await trainDpo({
    model: a,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    outDir: tmp(),
    settings: { ...s, rpo_alpha: 0.5 },
  });
  const b = new BigramLM(64, 8, 7);
  const settings = { ...s, loss_type: ["sigmoid", "sft"], loss_weights: [1, 0.5] };
  await trainDpo({ model: b, tokenizer: wordTokenizer, template: null, trainRows, outDir: tmp(), settings });
  assert.deepEqual(a.params[1].data, b.params[1].data);
  const c = new BigramLM(64, 8, 7);
  await trainDpo({
    model: c,
    tokenizer: wordTokenizer,
    template: null,
    trainRows,
    outDir: tmp(),
    settings: s,
  });
  assert.notDeepEqual(a.params[1].data, c.params[1].data);
});
