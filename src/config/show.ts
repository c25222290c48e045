// Printing a resolved recipe as YAML, and where the bundled recipes live.
import { join } from "node:path";
import { stringify } from "yaml";
import { projectRoot } from "../util/version.js";
import type { Recipe } from "./schema/recipe.js";

/** recipes/<name>.yaml inside the installed package. */
export function bundledRecipePath(name = "default"): string {
  return join(projectRoot(), "recipes", `${name}.yaml`);
}

/** The resolved recipe as YAML, every default spelled out (what `config show` prints and runs record). */
export function recipeToYaml(recipe: Recipe, header?: string): string {
  const body = stringify(recipe, { lineWidth: 0 });
  return header ? `# ${header}\n${body}` : body;
}
