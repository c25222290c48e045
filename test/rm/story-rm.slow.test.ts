// The story reward-model path of docs/reward-models.md ("Driving prefloop run"), shrunk: base-model samples on
// non-held-out prompts labelled by the default recipe's story suite (scripts/make-story-rm-data.ts) →
// `prefloop rm train` → the RM ranks groups of 5 like the run's rank stage. Asserts the judge's held-out prompts
// never reach the RM's data, and that the trained RM orders best/worst of 5 like the suite far above chance (a
// fixed seed: the numbers are deterministic). The full run (`scripts/story-rm-run.sh`) takes ~15 minutes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkStoryRm } from "../../scripts/story-rm-check.js";
import { makeStoryRmData } from "../../scripts/make-story-rm-data.js";
import { main } from "../../src/cli/main.js";
import { bundledRecipePath, loadRecipe, resolveRecipePaths } from "../../src/config/index.js";
import { defaultComponents } from "../../src/pipeline/index.js";

const backbone = fileURLToPath(new URL("../../models/stories260K.gguf", import.meta.url));

test("story RM: suite-labelled base samples (held-out prompts excluded) -> rm train -> best/worst agree with the suite", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "story-rm-"));
  const data = join(dir, "data");
  const counts = await makeStoryRmData({
    out: data,
    prompts: 240,
    n: 2,
    temperatures: [0.8, 1.2],
    minGap: 0.3,
    maxPairsPerPrompt: 6,
    swapPairs: 0,
    reuseSamples: false,
    evalFraction: 0.2,
    seed: 13,
  });
  const split = await defaultComponents().prompts(
    resolveRecipePaths(loadRecipe(bundledRecipePath("default"))),
  );
  const heldOut = new Set(split.test.flat().map((p) => p.prompt));
  const samples = readFileSync(join(data, "samples.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { prompt: string; responses: string[]; scores: number[] });
  assert.equal(samples.length, 240);
  assert.equal(samples.filter((s) => heldOut.has(s.prompt)).length, 0, "a judge prompt reached the RM data");
  assert.ok(samples.every((s) => s.responses.length === 4 && s.scores.length === 4));
  assert.ok(counts.train_pairs > 500, `only ${counts.train_pairs} training pairs`);

  const rm = join(dir, "rm");
  const code = await main([
    "node",
    "prefloop",
    "--quiet",
    "rm",
    "train",
    "--backbone",
    backbone,
    "--data",
    join(data, "pairs-train.jsonl"),
    "--eval-data",
    join(data, "pairs-eval.jsonl"),
    "--out",
    rm,
    "--set",
    "max_length=192",
    "--set",
    "per_device_train_batch_size=16",
    "--set",
    "learning_rate=2e-3",
    "--set",
    "num_train_epochs=2",
  ]);
  assert.equal(code, 0);
  const log = readFileSync(join(rm, "train_log.jsonl"), "utf8").split("\n").filter(Boolean);
  const evalRow = JSON.parse(log[log.length - 1]) as { eval_accuracy?: number };
  // Held-out pair accuracy against the suite's labels (chance 0.5; ~250 pairs, SE ≈ 0.03).
  assert.ok((evalRow.eval_accuracy ?? 0) > 0.6, `eval_accuracy ${evalRow.eval_accuracy}`);

  // Where DPO uses it: best and worst of 4 samples per held-out RM prompt, ordered as the suite orders them.
  const check = await checkStoryRm(data, `classifier:${rm}`, 4);
  t.diagnostic(JSON.stringify({ eval_accuracy: evalRow.eval_accuracy, ...check }));
  assert.ok(check.groups >= 30);
  assert.ok(check.best_worst_agreement > 0.62, `best/worst agreement ${check.best_worst_agreement}`);
  // The suite gap of its picks (random picks: 0 on average; the suite's own picks: the most there is).
  assert.ok(check.suite_gap_rm > 0.2, JSON.stringify(check));
});
