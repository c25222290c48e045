// `prefloop export trl <run> --iteration k`: writes the dataset, recipe, accelerate config and launch script
// for that iteration of a run (as `prefloop run` would) and starts nothing; bad iterations are refused.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { main } from "../../src/cli/main.js";
import { recipeToYaml } from "../../src/config/index.js";
import { fakeRecipe } from "../pipeline/fixtures/fakes.js";

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await main(["node", "prefloop", "--quiet", ...argv]);
    return { code, out };
  } finally {
    process.stdout.write = write;
  }
}

test("prefloop export trl writes iteration k's job files without running anything", async () => {
  const run = mkdtempSync(join(tmpdir(), "pf-export-trl-"));
  try {
    const recipe = fakeRecipe({
      iterations: 2,
      model: { path: "/models/base" },
      engines: { trainer: { type: "trl", num_processes: 4, deepspeed_zero3: false } },
    });
    writeFileSync(join(run, "recipe.yaml"), recipeToYaml(recipe));
    mkdirSync(join(run, "iteration-2"));
    const turn = (c: string) => [
      { role: "user", content: "q" },
      { role: "assistant", content: c },
    ];
    const pair = {
      prompt_id: "a",
      prompt: "q",
      chosen: turn("good"),
      rejected: turn("bad"),
      messages: turn("good"),
      score_chosen: 2,
      score_rejected: 1,
      all_generated_responses: ["good", "bad"],
      all_rm_scores: [2, 1],
    };
    writeFileSync(join(run, "iteration-2", "pairs.jsonl"), `${JSON.stringify(pair)}\n`);
    const { code, out } = await capture(["export", "trl", run, "--iteration", "2"]);
    assert.equal(code, 0);
    const trl = join(run, "iteration-2", "trl");
    for (const f of [
      "recipe.yaml",
      "accelerate_config.yaml",
      "launch.sh",
      "dataset/train_iteration_2.parquet",
    ])
      assert.ok(existsSync(join(trl, f)), `missing ${f}`);
    assert.match(out, new RegExp(`^command\\tbash ${join(trl, "launch.sh")}$`, "m"));
    const r = parse(readFileSync(join(trl, "recipe.yaml"), "utf8"));
    // iteration 2 starts from iteration 1's model folder; the job writes where the loop will look
    assert.equal(r.model_name_or_path, join(run, "iteration-1", "model"));
    assert.equal(r.output_dir, join(run, "iteration-2", ".model.tmp"));
    assert.equal(existsSync(r.output_dir), false, "nothing ran");
    const acc = parse(readFileSync(join(trl, "accelerate_config.yaml"), "utf8"));
    assert.equal(acc.distributed_type, "MULTI_GPU");
    assert.equal(acc.num_processes, 4);

    const bad = await capture(["export", "trl", run, "--iteration", "3"]);
    assert.equal(bad.code, 3);
    const noPairs = await capture(["export", "trl", run, "--iteration", "1"]);
    assert.equal(noPairs.code, 3);
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
});
