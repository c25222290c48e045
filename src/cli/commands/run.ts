// `prefloop run [recipe]`: the iterative loop (no recipe: the bundled recipes/default.yaml into runs/default).
// `--dry-run` validates the recipe and prints the plan without loading any model.
import { resolve } from "node:path";
import type { Command } from "commander";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .argument("[recipe]", "recipe YAML (default: the bundled recipes/default.yaml)")
    .option("--out <dir>", "run folder (default: recipe out_dir, else runs/<name>)")
    .option(
      "--set <key=value>",
      "override a recipe field, e.g. --set train.beta=0.05 (repeatable)",
      collect,
      [],
    )
    .option("--dry-run", "validate the recipe and print the plan: stages, counts, models, commands")
    .description("sample, rank, build pairs, train with DPO; repeat for K iterations (resumable)")
    .action(
      async (
        recipeArg: string | undefined,
        opts: { out?: string; set: string[]; dryRun?: boolean },
        cmd: Command,
      ) => {
        const { bundledRecipePath, loadRecipe, resolveRecipePaths } = await import("../../config/index.js");
        const { loggerFromOptions } = await import("../../util/log.js");
        const pipeline = await import("../../pipeline/index.js");
        const logger = loggerFromOptions(cmd.optsWithGlobals());
        const loaded = loadRecipe(recipeArg ?? bundledRecipePath("default"), { sets: opts.set });
        const recipe = resolveRecipePaths(loaded);
        const outDir = resolve(opts.out ?? recipe.out_dir ?? `runs/${recipe.name}`);
        recipe.out_dir = outDir;
        if (opts.dryRun) {
          process.stdout.write(pipeline.describeRun(recipe, outDir));
          return;
        }
        const components = pipeline.defaultComponents(logger);
        const summary = await pipeline.runLoop({ recipe, outDir, components, logger });
        await components.report?.(outDir);
        process.stdout.write(`${pipeline.formatSummaryTable(summary.iterations)}\n\nrun folder: ${outDir}\n`);
      },
    );
}
