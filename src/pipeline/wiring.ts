// WIRING SEAM: where `prefloop run` gets its real components. Each entry names the layer that provides it;
// until a layer is merged and wired here, using it fails with a clear "not wired" error (dry runs never
// touch components). Tests pass their own Components to runLoop and never use this file.
import type { Recipe } from "../config/index.js";
import { buildRanker } from "../reward/index.js";
import { PrefloopError } from "../util/errors.js";
import type { Components } from "./components.js";

function notWired(what: string, layer: string): never {
  throw new PrefloopError("unsupported", `${what} is not wired into prefloop run yet (${layer})`, {
    hint: "use --dry-run to check the plan; the component lands when its layer is merged",
  });
}

export function defaultComponents(): Components {
  return {
    // src/data: read recipe.prompts (format, field mapping), dedupe, seeded split into K parts + held-out.
    prompts: async (_recipe: Recipe) => notWired("the prompt source", "src/data"),
    // src/generate: local engine for GGUF/HF folders; engines.generator openai/vllm -> the remote generator.
    generator: async (_recipe: Recipe, _modelPath: string) => notWired("the generator", "src/generate"),
    // src/reward (wired): paths inside the specs are already absolute (resolveRecipePaths). Length control
    // is applied by the pairs stage, not here. pairrm / classifier need their engine builders registered
    // (registerRankerBuilder) by the models layer; a tokenizer in the BuildContext makes "tokens" exact.
    ranker: async (recipe: Recipe) => buildRanker(recipe.rank.ranker, {}, "rank.ranker"),
    judge: async (recipe: Recipe) =>
      recipe.eval.judge === null
        ? buildRanker(recipe.rank.ranker, {}, "rank.ranker")
        : buildRanker(recipe.eval.judge, {}, "eval.judge"),
    // src/train: engines.trainer local -> DPO trainer; trl -> external launch; openai -> hosted DPO.
    trainer: async (_recipe: Recipe) => notWired("the trainer", "src/train"),
    // exportDataset: src/data's Parquet/JSONL export of train_iteration_<k>.
    // src/report (wired): report.html beside summary.json at the end of the run.
    report: async (runDir: string) => {
      const { writeReport } = await import("../report/index.js");
      await writeReport(runDir);
    },
  };
}
