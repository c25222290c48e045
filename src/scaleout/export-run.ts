// `prefloop export trl <run> --iteration k`: the external trainer's files for one iteration of a run, from
// its recipe.yaml and iteration-<k>/pairs.jsonl, exactly as `prefloop run` would write them; runs nothing.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadRecipe } from "../config/index.js";
import { type PreferenceRow, readJsonlRows, startModelPath } from "../pipeline/index.js";
import { InputError } from "../util/errors.js";
import { exportTrl, type TrlExport } from "./trl-trainer.js";

export async function exportTrlForRun(runDir: string, iteration: number, out?: string): Promise<TrlExport> {
  const recipeFile = join(runDir, "recipe.yaml");
  if (!existsSync(recipeFile)) throw new InputError(`${runDir}: no recipe.yaml (not a prefloop run folder)`);
  const { recipe } = loadRecipe(recipeFile);
  if (iteration < 1 || iteration > recipe.iterations)
    throw new InputError(`--iteration: expected 1..${recipe.iterations}, got ${iteration}`);
  const iterDir = join(runDir, `iteration-${iteration}`);
  const pairsFile = join(iterDir, "pairs.jsonl");
  if (!existsSync(pairsFile))
    throw new InputError(`${pairsFile}: missing`, {
      hint: "run the loop up to this iteration's pairs stage first",
    });
  const rows = await readJsonlRows<PreferenceRow>(pairsFile);
  return exportTrl({
    recipe,
    iteration,
    rows,
    startModel: startModelPath(recipe, resolve(runDir), iteration),
    outputDir: join(resolve(iterDir), ".model.tmp"),
    dir: resolve(out ?? join(iterDir, "trl")),
    seed: recipe.seed + iteration,
  });
}
