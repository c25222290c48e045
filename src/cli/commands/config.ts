// `prefloop config show [recipe] [--set k=v ...]` prints the resolved recipe as YAML;
// `prefloop config schema` prints the recipe's JSON Schema (for editors).
import type { Command } from "commander";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("show the resolved recipe or its JSON Schema");
  config
    .command("show")
    .argument("[recipe]", "recipe YAML (default: the bundled recipes/default.yaml)")
    .option("--set <key=value>", "override a field, e.g. --set train.beta=0.05 (repeatable)", collect, [])
    .description("print the resolved recipe (defaults < recipe file < --set) as YAML")
    .action(async (recipe: string | undefined, opts: { set: string[] }) => {
      const { loadRecipe, bundledRecipePath, recipeToYaml } = await import("../../config/index.js");
      const file = recipe ?? bundledRecipePath("default");
      const loaded = loadRecipe(file, { sets: opts.set });
      process.stdout.write(recipeToYaml(loaded.recipe, `resolved from ${file}`));
    });
  config
    .command("schema")
    .description("print the recipe JSON Schema (also in schema/recipe.schema.json)")
    .action(async () => {
      const { recipeJsonSchemaText } = await import("../../config/index.js");
      process.stdout.write(recipeJsonSchemaText());
    });
}
