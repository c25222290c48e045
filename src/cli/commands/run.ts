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
        // recipe.threads (0 = all cores) sizes the native pool, read when the addon loads (at model load);
        // an explicit PREFLOOP_THREADS in the environment wins, as for the other verbs.
        if (recipe.threads > 0 && process.env.PREFLOOP_THREADS === undefined)
          process.env.PREFLOOP_THREADS = String(recipe.threads);
        const components = pipeline.defaultComponents(logger);
        // Ctrl-C / SIGTERM: every write is atomic or an append of whole rows, so stopping at the next turn of
        // the event loop leaves a resumable run; say so instead of dying silently (the exit hook frees the lock).
        const onSignal = (signal: NodeJS.Signals) => {
          const again = ["prefloop run", recipeArg, ...opts.set.map((s) => `--set ${s}`), `--out ${outDir}`]
            .filter((p) => p !== undefined)
            .join(" ");
          const what = signal === "SIGINT" ? "interrupted" : "terminated";
          process.stderr.write(
            `\nprefloop: ${what}; the finished stages and rows in ${outDir} are kept. Resume with: ${again}\n`,
          );
          process.exit(signal === "SIGINT" ? 130 : 143);
        };
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const summary = await pipeline.runLoop({ recipe, outDir, components, logger });
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
        await components.report?.(outDir);
        process.stdout.write(`${pipeline.formatSummaryTable(summary.iterations)}\n\nrun folder: ${outDir}\n`);
      },
    );
}
