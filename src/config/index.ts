// Recipes: the zod schema per stage, loading with line-numbered errors, --set overrides, JSON Schema and docs.
export { recipeJsonSchema, recipeJsonSchemaText, recipeMarkdown } from "./json-schema.js";
export {
  applySet,
  dotted,
  type LoadedRecipe,
  type LoadOptions,
  loadRecipe,
  parseRecipe,
  recipeFromObject,
  resolveRecipePaths,
} from "./load.js";
export { bundledRecipePath, recipeToYaml } from "./show.js";
export type { EnginesConfig } from "./schema/engines.js";
export type { EvalConfig } from "./schema/eval.js";
export type { GenerateConfig, GenerateOverride } from "./schema/generate.js";
export type { ModelConfig } from "./schema/model.js";
export type { PairsConfig } from "./schema/pairs.js";
export type { PromptsConfig } from "./schema/prompts.js";
export type { RankConfig } from "./schema/rank.js";
export { type Recipe, type RecipeInput, recipeSchema } from "./schema/recipe.js";
export { LOSS_TYPES, type LossType, type TrainConfig } from "./schema/train.js";
export { describeField, didYouMean, schemaAt } from "./schema-walk.js";
