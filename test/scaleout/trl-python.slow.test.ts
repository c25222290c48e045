// The external-trainer protocol with a Python trainer: Debian's python3-torch + the vendored transformers run
// sigmoid DPO steps on the recipe and dataset prefloop wrote and save with save_pretrained; prefloop checks
// that folder, reads trainer_state.json's log history and the next iteration samples from it. Skipped when
// /usr/bin/python3 has no torch.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { recipeFromObject } from "../../src/config/index.js";
import { loadModel } from "../../src/models/index.js";
import { defaultComponents, runLoop } from "../../src/pipeline/index.js";
import { Logger } from "../../src/util/log.js";
import { tinyHfModel } from "./fixtures/tiny-hf.js";

const hasTorch =
  spawnSync("/usr/bin/python3", ["-c", "import torch, yaml"], { timeout: 60_000 }).status === 0;

test("trainer: trl with a Python DPO job (torch + transformers) continues the loop on its checkpoint", {
  skip: !hasTorch && "no torch in /usr/bin/python3",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-trl-py-"));
  try {
    const base = tinyHfModel(join(dir, "base"));
    const prompts = join(dir, "prompts.jsonl");
    const names = ["Tim", "Lily", "Sam", "Ben", "Sue", "Max", "Ann", "Tom", "Mia", "Joe"];
    writeFileSync(
      prompts,
      names.map((n) => `${JSON.stringify({ prompt: `${n} went to the park.` })}\n`).join(""),
    );
    const script = resolve("test/scaleout/fixtures/handbook_standin.py");
    const { recipe } = recipeFromObject({
      name: "trl-python",
      iterations: 2,
      seed: 2,
      model: { path: base, chat_template: "raw" },
      prompts: { source: prompts, field: "prompt", per_iteration: 4, test_per_iteration: 1 },
      generate: { n: 3, temperature: 1, max_tokens: 12, batch_size: 8 },
      rank: { ranker: "length" },
      eval: { judge: "repetition", max_tokens: 8 },
      train: {
        beta: 0.1,
        learning_rate: 1e-2,
        max_steps: 2,
        per_device_train_batch_size: 2,
        max_length: 64,
        max_prompt_length: 32,
      },
      engines: {
        trainer: { type: "trl", command: `/usr/bin/python3 ${script} --config {recipe}`, num_processes: 1 },
      },
    });
    const out = join(dir, "run");
    const logger = new Logger({ quiet: true });
    const summary = await runLoop({ recipe, outDir: out, components: defaultComponents(logger), logger });
    assert.equal(summary.iterations.length, 3);
    for (const k of [1, 2]) {
      const log = readFileSync(join(out, `iteration-${k}`, "train_log.jsonl"), "utf8")
        .trim()
        .split("\n");
      assert.equal(log.length, 3, "two steps and the train_loss entry from trainer_state.json");
      assert.equal(typeof summary.iterations[k].train_loss, "number");
    }
    assert.match(
      readFileSync(join(out, "iteration-1", "trl", "launch.log"), "utf8"),
      /'rewards\/accuracies'/,
    );
    const a = loadModel(base).model.parameters()[1].data;
    const b = loadModel(join(out, "iteration-2", "model")).model.parameters()[1].data;
    assert.ok(
      a.some((x, i) => x !== b[i]),
      "the Python job's updates reached iteration 2's model",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
