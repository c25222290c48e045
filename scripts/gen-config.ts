// Regenerates schema/recipe.schema.json and docs/config.md from the zod recipe schema.
// Usage: npx tsx scripts/gen-config.ts   (test/config/generated.test.ts fails when they are stale)
import { writeFileSync } from "node:fs";
import { recipeJsonSchemaText, recipeMarkdown } from "../src/config/index.js";

writeFileSync("schema/recipe.schema.json", recipeJsonSchemaText());
writeFileSync("docs/config.md", recipeMarkdown());
console.log("wrote schema/recipe.schema.json and docs/config.md");
