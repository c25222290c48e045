import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadRecipe, resolveRecipePaths } from "../../src/config/index.js";
import { runCliBatch } from "../helpers/cli.js";

const dir = fileURLToPath(new URL("../../recipes/", import.meta.url));
const recipes = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

test("every bundled recipe validates", () => {
  assert.ok(recipes.includes("default.yaml") && recipes.includes("snorkel-mistral-pairrm.yaml"));
  for (const f of recipes) loadRecipe(join(dir, f));
});

test("default.yaml: the bundled model and prompts, K = 3, n = 5, paths resolved against recipes/", () => {
  const loaded = loadRecipe(join(dir, "default.yaml"));
  const r = resolveRecipePaths(loaded);
  assert.equal(r.iterations, 3);
  assert.equal(r.generate.n, 5);
  assert.ok(r.model.path.endsWith("/models/stories260K.gguf"));
  assert.ok(r.prompts.source.endsWith("/data/prompts/stories.jsonl"));
  assert.notEqual(r.eval.judge, null, "the held-out judge differs from the training reward");
});

test("--set paths are relative to the working directory, recipe paths to the recipe's folder", () => {
  const loaded = loadRecipe(join(dir, "default.yaml"), {
    sets: ["rank.ranker=classifier:./rm-story", "prompts.source=./my-prompts.jsonl"],
  });
  const r = resolveRecipePaths(loaded);
  const spec = r.rank.ranker as { type: string; path: string };
  assert.equal(spec.type, "classifier");
  assert.equal(spec.path, join(process.cwd(), "rm-story"));
  assert.equal(r.prompts.source, join(process.cwd(), "my-prompts.jsonl"));
  // untouched by the flags: still against recipes/
  assert.equal(r.model.path, join(dir, "../models/stories260K.gguf"));
});

test("snorkel-mistral-pairrm.yaml: the seed recipe's values", () => {
  const r = resolveRecipePaths(loadRecipe(join(dir, "snorkel-mistral-pairrm.yaml")));
  assert.equal(r.model.path, "mistralai/Mistral-7B-Instruct-v0.2");
  assert.equal(r.iterations, 3);
  assert.equal(r.generate.n, 5);
  assert.equal(r.rank.ranker.type, "pairrm");
  assert.deepEqual(
    [
      r.train.beta,
      r.train.learning_rate,
      r.train.lr_scheduler_type,
      r.train.warmup_ratio,
      r.train.num_train_epochs,
      r.train.max_length,
      r.train.max_prompt_length,
    ],
    [0.01, 5e-7, "cosine", 0.1, 1, 1024, 512],
  );
  assert.equal(r.engines.generator.type, "vllm");
  assert.equal(r.engines.trainer.type, "trl");
  assert.equal(r.prompts.per_iteration, 6667);
});

test("`run <recipe> --dry-run` validates and prints the plan (stages, counts, models, commands); config show prints YAML", () => {
  const [snorkel, dflt, show, bad] = runCliBatch([
    ["run", join(dir, "snorkel-mistral-pairrm.yaml"), "--dry-run", "--out", "/tmp/never-written"],
    ["run", "--dry-run", "--out", "/tmp/never-written-either"],
    ["config", "show", "--set", "train.beta=0.2"],
    ["run", join(dir, "snorkel-mistral-pairrm.yaml"), "--dry-run", "--set", "train.bta=1"],
  ]);
  assert.equal(snorkel.code, 0, snorkel.stderr);
  assert.match(
    snorkel.stdout,
    /iteration-3\/train\s+DPO sigmoid beta 0\.01, lr 5e-7 cosine warmup 0\.1, 1 epoch\(s\), batch 128 \(8x2x8\)/,
  );
  assert.match(
    snorkel.stdout,
    /sample n=5 from mistralai\/Mistral-7B-Instruct-v0\.2 for 6667 prompts = 33335 responses/,
  );
  assert.match(snorkel.stdout, /\$ vllm serve mistralai\/Mistral-7B-Instruct-v0\.2 --port 8000/);
  assert.match(
    snorkel.stdout,
    /\$ bash \/tmp\/never-written\/iteration-1\/trl\/launch\.sh/, // src/scaleout's launch.sh runs accelerate
  );
  assert.match(snorkel.stdout, /pairrm .*models\/PairRM/);
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.match(dflt.stdout, /run default -> \/tmp\/never-written-either/);
  assert.match(
    dflt.stdout,
    /iteration-1\/generate\s+sample n=5 from .*stories260K\.gguf for 80 prompts = 400 responses/,
  );
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^# resolved from .*default\.yaml\nname: default\n/);
  assert.match(show.stdout, /\n {2}beta: 0\.2\n/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--set train\.bta=1: train\.bta: unknown key \(did you mean 'beta'\?\)/);
});
