// Where `prefloop run` gets its real components: the data layer's prompt source and split, the local
// engine's generator (or src/scaleout's remote/vLLM one), the reward layer's rankers, the DPO trainer
// (in-process, TRL/alignment-handbook as an external job, or hosted OpenAI DPO), the dataset export.
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
import { ConfigError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import type { Components } from "./components.js";
import { localTrainer } from "./local-trainer.js";

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
      if (recipe.engines.generator.type !== "local") {
        const { openEngineGenerator } = await import("../scaleout/index.js");
        return openEngineGenerator(recipe, modelPath);
      }
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
      const type = recipe.engines.trainer.type;
      if (type === "trl") return (await import("../scaleout/index.js")).trlTrainer(recipe, logger);
      if (type === "openai") {
        // The fine-tuned model exists only on the API: the loop must sample it there too.
        if (recipe.engines.generator.type === "local")
          throw new ConfigError("engines.generator.type: local cannot sample a hosted fine-tuned model", {
            hint: "with engines.trainer.type: openai use engines.generator.type: openai (and its base_url)",
          });
        return (await import("../scaleout/index.js")).openaiTrainer(recipe, logger);
      }
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
