// End to end: `prefloop run` with engines.trainer.type: trl, whose launch command is a real program (the
// handbook stand-in running prefloop's own `train` as a subprocess on the recipe prefloop wrote). Iteration 1's
// job crashes once (the stage fails, the run is resumable), the rerun relaunches; iteration 2 starts from
// iteration 1's checkpoint, which was validated (architecture, tokenizer, tensor shapes).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { recipeFromObject } from "../../src/config/index.js";
import { loadModel } from "../../src/models/index.js";
import { defaultComponents, runLoop } from "../../src/pipeline/index.js";
import { checkTrainedModel } from "../../src/scaleout/index.js";
import { PrefloopError } from "../../src/util/errors.js";
import { Logger } from "../../src/util/log.js";
import { tinyHfModel } from "./fixtures/tiny-hf.js";

test("trainer: trl runs the launch command, survives a crashed job, and the loop continues with its checkpoint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-trl-loop-"));
  try {
    const base = tinyHfModel(join(dir, "base"));
    const prompts = join(dir, "prompts.jsonl");
    const names = ["Tim", "Lily", "Sam", "Ben", "Sue", "Max", "Ann", "Tom", "Mia", "Joe", "Kim", "Bob"];
    writeFileSync(
      prompts,
      names.map((n) => `${JSON.stringify({ prompt: `${n} went to the park.` })}\n`).join(""),
    );
    const standin = resolve("test/scaleout/fixtures/handbook-standin.ts");
    const crashMarker = join(dir, "crashed-once");
    const { recipe } = recipeFromObject({
      name: "trl-e2e",
      iterations: 2,
      seed: 1,
      model: { path: base, chat_template: "raw" },
      prompts: { source: prompts, field: "prompt", per_iteration: 4, test_per_iteration: 1 },
      generate: { n: 3, temperature: 1, max_tokens: 12, batch_size: 8 },
      rank: { ranker: "length" },
      eval: { judge: "repetition", max_tokens: 8 },
      train: {
        beta: 0.1,
        learning_rate: 5e-3,
        max_steps: 2,
        per_device_train_batch_size: 2,
        gradient_accumulation_steps: 1,
        max_length: 64,
        max_prompt_length: 32,
      },
      engines: {
        trainer: {
          type: "trl",
          command: `FAIL_ONCE=${crashMarker} node --import tsx ${standin} --config {recipe}`,
          num_processes: 1,
        },
      },
    });
    const out = join(dir, "run");
    const logger = new Logger({ quiet: true });
    await assert.rejects(
      runLoop({ recipe, outDir: out, components: defaultComponents(logger), logger }),
      (e: unknown) =>
        e instanceof PrefloopError &&
        e.code === "external" &&
        /exited with code 3: .*out of memory/.test(e.message),
    );
    const manifest = () => JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest().stages["iteration-1/train"].state, "failed");
    assert.ok(existsSync(join(out, "iteration-1", "trl", "recipe.yaml")));

    const summary = await runLoop({ recipe, outDir: out, components: defaultComponents(logger), logger });
    assert.equal(summary.iterations.length, 3);
    for (const k of [1, 2]) {
      const model = join(out, `iteration-${k}`, "model");
      const checked = checkTrainedModel(model, base);
      assert.equal(checked.architecture, "LlamaForCausalLM");
      assert.ok(checked.tokenizer.includes("tokenizer.json"));
      assert.equal(manifest().stages[`iteration-${k}/train`].state, "done");
      const steps = readFileSync(join(out, `iteration-${k}`, "train_log.jsonl"), "utf8")
        .trim()
        .split("\n");
      assert.ok(steps.length >= 1);
      assert.ok(summary.iterations[k].train_loss !== null, "train_loss read from the job's log");
    }
    // iteration 2's job started from iteration 1's saved model, and the weights moved.
    const rec2 = readFileSync(join(out, "iteration-2", "trl", "recipe.yaml"), "utf8");
    assert.match(
      rec2,
      new RegExp(`model_name_or_path: ${join(out, "iteration-1", "model").replaceAll("/", "\\/")}`),
    );
    const w0 = loadModel(base).model;
    const w2 = loadModel(join(out, "iteration-2", "model")).model;
    const a = w0.parameters()[1].data;
    const b = w2.parameters()[1].data;
    assert.ok(
      a.some((x, i) => x !== b[i]),
      "trained weights differ from the base",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
