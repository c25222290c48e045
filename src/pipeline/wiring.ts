// Where `prefloop run` gets its real components: the data layer's prompt source and split, the local
// engine's generator, the reward layer's rankers, the in-process DPO trainer, the dataset export. External
// engines (remote generator, TRL, hosted DPO) fail with a clear "not wired" error until their layer lands.
// Tests pass their own Components to runLoop and never use this file.
import type { Recipe } from "../config/index.js";
import {
  planSplit,
  readPrompts,
  sourceSpecFromRecipe,
  splitInMemory,
  splitSpecFromRecipe,
  writeIterationDataset,
} from "../data/index.js";
import { openLocalGenerator } from "../generate/index.js";
import { buildRanker, registerEngineRankers } from "../reward/index.js";
import { PrefloopError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import type { Components } from "./components.js";
import { localTrainer } from "./local-trainer.js";

function notWired(what: string): never {
  throw new PrefloopError("unsupported", `${what} is not available in prefloop run yet`, {
    hint: "use --dry-run to check the plan, or the local engine (engines.*.type: local)",
  });
}

export function defaultComponents(logger: Logger | null = null): Components {
  registerEngineRankers(); // pairrm: and classifier: specs run on the engine
  return {
    prompts: async (recipe: Recipe) => {
      const spec = sourceSpecFromRecipe(recipe.prompts);
      const plan = await planSplit(
        () => readPrompts(spec),
        splitSpecFromRecipe(recipe.prompts, recipe.iterations, recipe.seed),
      );
      return splitInMemory(readPrompts(spec), plan);
    },
    generator: async (recipe: Recipe, modelPath: string) => {
      if (recipe.engines.generator.type !== "local")
        notWired(`engines.generator.type: ${recipe.engines.generator.type}`);
      return openLocalGenerator(modelPath);
    },
    // Paths inside the specs are already absolute (resolveRecipePaths). Length control is applied by the
    // pairs stage, not here.
    ranker: async (recipe: Recipe) => buildRanker(recipe.rank.ranker, {}, "rank.ranker"),
    judge: async (recipe: Recipe) =>
      recipe.eval.judge === null
        ? buildRanker(recipe.rank.ranker, {}, "rank.ranker")
        : buildRanker(recipe.eval.judge, {}, "eval.judge"),
    trainer: async (recipe: Recipe) => {
      if (recipe.engines.trainer.type !== "local")
        notWired(`engines.trainer.type: ${recipe.engines.trainer.type}`);
      return localTrainer(recipe, logger);
    },
    exportDataset: async (iteration, rows, dir) => {
      await writeIterationDataset({ dir, iteration, train: rows, test: [] });
    },
    // src/report: report.html beside summary.json at the end of the run.
    report: async (runDir: string) => {
      const { writeReport } = await import("../report/index.js");
      await writeReport(runDir);
    },
  };
}
