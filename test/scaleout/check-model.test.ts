// The checks an external trainer's output goes through before the loop uses it, and the log parsing that
// feeds progress: each failure names the folder and the problem.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel, saveHfFolder, writeSafetensors } from "../../src/models/index.js";
import {
  checkTrainedModel,
  metricsFrom,
  parseMetricLine,
  parseStepCounter,
} from "../../src/scaleout/index.js";
import { ModelError } from "../../src/util/errors.js";

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-check-"));
  const tok = join(mkdtempSync(join(tmpdir(), "pf-check-tok-")), "tokenizer.json");
  copyFileSync("test/golden/text/stories260k-tokenizer.json", tok);
  saveHfFolder(loadModel("models/stories260K.gguf").model, dir, { tokenizerFiles: [tok] });
  return dir;
}

test("checkTrainedModel accepts a saved folder and names each defect", () => {
  const start = folder();
  const out = folder();
  try {
    const ok = checkTrainedModel(out, start);
    assert.equal(ok.architecture, "LlamaForCausalLM");
    const loaded = loadModel(out).model.parameters();
    assert.equal(ok.tensors, loaded.length);
    // a tensor with the wrong shape
    const tensors = new Map(loaded.map((p) => [p.name, { shape: p.shape, data: p.data }]));
    const first = loaded[0];
    tensors.set(first.name, {
      shape: [first.shape[0] - 1, first.shape[1]],
      data: first.data.subarray(first.shape[1]),
    });
    writeSafetensors(join(out, "model.safetensors"), tensors, "F32");
    assert.throws(
      () => checkTrainedModel(out, start),
      (e: unknown) => e instanceof ModelError && /has shape \[/.test(e.message),
    );
    unlinkSync(join(out, "tokenizer.json"));
    assert.throws(
      () => checkTrainedModel(out, start),
      (e: unknown) => e instanceof ModelError && /no tokenizer/.test(e.message),
    );
    writeFileSync(
      join(out, "config.json"),
      JSON.stringify({ architectures: ["MistralForCausalLM"], model_type: "mistral" }),
    );
    assert.throws(
      () => checkTrainedModel(out, start),
      (e: unknown) => e instanceof ModelError && /differ from the starting model/.test(e.message),
    );
    unlinkSync(join(out, "config.json"));
    assert.throws(
      () => checkTrainedModel(out, start),
      (e: unknown) => e instanceof ModelError && /no config\.json/.test(e.message),
    );
  } finally {
    rmSync(start, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test("Trainer.log lines, tqdm counters and log_history give the loop's metrics", () => {
  const m = parseMetricLine(
    "{'loss': 0.6925, 'grad_norm': nan, 'learning_rate': 5e-07, 'rewards/accuracies': 0.5, 'epoch': 0.1}",
  );
  assert.deepEqual(m, { loss: 0.6925, learning_rate: 5e-7, "rewards/accuracies": 0.5, epoch: 0.1 });
  assert.equal(parseMetricLine("{'eval_runtime': 1.0}"), null);
  assert.equal(parseMetricLine("INFO loading {weights}"), null);
  assert.deepEqual(parseStepCounter(" 12%|█▏        | 12/100 [00:03<00:20,  4.2it/s]"), {
    step: 12,
    total: 100,
  });
  assert.deepEqual(
    metricsFrom([
      { loss: 0.7, "rewards/accuracies": 0.4, step: 1 },
      { loss: 0.5, step: 2 },
      { train_loss: 0.6, step: 2 },
    ]),
    { train_loss: 0.6, reward_accuracy: 0.4, steps: 2 },
  );
});
