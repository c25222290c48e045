// trainer: openai against a local fixture of the fine-tuning API: preference JSONL upload, a DPO job with
// beta, polling, the resulting model id in model_ref.json used by the next iteration's generator; a failed or
// cancelled job fails the train stage with the API's message and a rerun creates a new job and finishes.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runLoop } from "../../src/pipeline/index.js";
import { openaiTrainer } from "../../src/scaleout/index.js";
import { PrefloopError } from "../../src/util/errors.js";
import { Logger } from "../../src/util/log.js";
import { fakeComponents, fakeRecipe, opened } from "../pipeline/fixtures/fakes.js";
import { startFixture } from "./fixtures/fine-tuning-server.js";

for (const outcome of ["failed", "cancelled"] as const) {
  test(`trainer: openai — a ${outcome} job fails the stage clearly; the rerun creates a new job and the loop continues on the fine-tuned id`, async () => {
    const fx = await startFixture();
    const dir = mkdtempSync(join(tmpdir(), "pf-oai-ft-"));
    try {
      process.env.PF_TEST_FT_KEY = "sk-test";
      const recipe = fakeRecipe({
        iterations: 2,
        model: { path: "gpt-4o-mini-2024-07-18" },
        train: { beta: 0.2 },
        engines: {
          trainer: { type: "openai", base_url: fx.url, api_key_env: "PF_TEST_FT_KEY", poll_interval_s: 0.01 },
        },
      });
      const logger = new Logger({ quiet: true });
      const components = { ...fakeComponents(), trainer: async () => openaiTrainer(recipe, logger) };
      fx.state.nextOutcome.push(outcome);
      const out = join(dir, "run");
      await assert.rejects(
        runLoop({ recipe, outDir: out, components, logger }),
        (e: unknown) =>
          e instanceof PrefloopError &&
          e.code === "external" &&
          new RegExp(`fine-tuning job ftjob-1 ${outcome}`).test(e.message) &&
          (outcome === "cancelled" || /preferred_output is empty/.test(e.message)),
      );
      const manifest = () => JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.equal(manifest().stages["iteration-1/train"].state, "failed");

      opened.length = 0;
      const summary = await runLoop({ recipe, outDir: out, components, logger });
      assert.equal(summary.iterations.length, 3);
      assert.equal(fx.state.jobBodies.length, 3, "failed job, its replacement, iteration 2's job");
      const body = fx.state.jobBodies[1];
      assert.deepEqual(body.method, { type: "dpo", dpo: { hyperparameters: { beta: 0.2, n_epochs: 1 } } });
      assert.equal(body.model, "gpt-4o-mini-2024-07-18");
      assert.equal(body.training_file, "file-2");
      const ref1 = JSON.parse(readFileSync(join(out, "iteration-1", "model", "model_ref.json"), "utf8"));
      assert.equal(ref1.model, "ft:gpt-4o-mini-2024-07-18:prefloop:prefloop-it1:ftjob-2");
      assert.equal(fx.state.jobBodies[2].model, ref1.model, "iteration 2 fine-tunes iteration 1's model");
      assert.ok(opened.includes(ref1.model), "iteration 2 samples from the fine-tuned model id");
      // the uploaded file is the API's DPO format, one line per pair
      const lines = fx.state.uploads[1]
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.ok(lines.length > 0);
      for (const l of lines) {
        assert.deepEqual(Object.keys(l).sort(), ["input", "non_preferred_output", "preferred_output"]);
        assert.equal(l.input.messages.at(-1).role, "user");
        assert.equal(l.preferred_output[0].role, "assistant");
        assert.equal(l.non_preferred_output[0].role, "assistant");
        assert.notEqual(l.preferred_output[0].content, undefined);
      }
    } finally {
      fx.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("trainer: openai — a rerun re-attaches to the job a killed run left running (no second upload or job)", async () => {
  const fx = await startFixture();
  const dir = mkdtempSync(join(tmpdir(), "pf-oai-attach-"));
  try {
    fx.state.jobs.set("ftjob-7", { model: "base-m", polls: 0, outcome: "succeeded", suffix: "prefloop-it1" });
    const iter = join(dir, "iteration-1");
    mkdirSync(join(iter, "openai"), { recursive: true });
    mkdirSync(join(iter, ".model.tmp"));
    writeFileSync(
      join(iter, "openai", "job.json"),
      JSON.stringify({ id: "ftjob-7", file: "file-9", model: "base-m" }),
    );
    const recipe = fakeRecipe({
      engines: { trainer: { type: "openai", base_url: fx.url, poll_interval_s: 0.01 } },
    });
    const trainer = openaiTrainer(recipe, null);
    const settings = {
      ...recipe.train,
      seed: 1,
      threads: 1,
      iteration: 1,
      checkpointDir: "",
      referenceLogpsPath: null,
    };
    await trainer.train([], "base-m", "base-m", join(iter, ".model.tmp"), settings);
    assert.equal(fx.state.jobBodies.length, 0);
    assert.equal(fx.state.uploads.length, 0);
    const ref = JSON.parse(readFileSync(join(iter, ".model.tmp", "model_ref.json"), "utf8"));
    assert.equal(ref.model, "ft:base-m:prefloop:prefloop-it1:ftjob-7");
  } finally {
    fx.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
