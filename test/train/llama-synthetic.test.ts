// The synthetic preference rule (chosen continues the prompt's last token by +1 steps) learned by the
// tiny HF Llama through the whole trainer: held-out reward accuracy above 90%.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel } from "../../src/models/index.js";
import { trainDpo } from "../../src/train/index.js";
import { goldenDir } from "./golden.js";
import { successorTask } from "./synthetic.js";
import { wordTokenizer } from "./tiny-lm.js";

test("tiny Llama learns the successor rule: held-out reward accuracy > 90%", async () => {
  const out = mkdtempSync(join(tmpdir(), "pf-llama-syn-"));
  try {
    const { model } = loadModel(goldenDir);
    const r = await trainDpo({
      model,
      tokenizer: { ...wordTokenizer, vocabSize: 48 },
      template: null,
      trainRows: successorTask(128, 21, 48),
      testRows: successorTask(64, 22, 48),
      outDir: out,
      settings: {
        beta: 0.1,
        learning_rate: 1e-2,
        num_train_epochs: 3,
        per_device_train_batch_size: 8,
        gradient_accumulation_steps: 1,
        max_length: 32,
        max_prompt_length: 16,
        logging_steps: 8,
        eval_steps: 0,
        save_steps: 0,
      },
    });
    const acc = r.eval?.["eval_rewards/accuracies"] ?? 0;
    assert.ok(acc > 0.9, `held-out accuracy ${acc}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
