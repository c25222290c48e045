// Maps the recipe's `prompts` section (as src/config parses it; typed structurally here because data
// imports no other layer) to a PromptSourceSpec and a SplitSpec. Not validation: the config layer's
// zod schema has done that; sizes are still checked again by parseSize.
import type { FieldMapping } from "./field-map.js";
import type { PromptSourceSpec, SourceFormat } from "./source.js";
import { parseSize, type SplitSpec } from "./split.js";

export interface PromptsRecipe {
  source: string;
  format?: "auto" | SourceFormat;
  /** HF folders: null = "train" or the only split; "*" = every split */
  split_name?: string | null;
  field?: string | null;
  /** the last user turn of these messages is the prompt */
  messages_field?: string | null;
  instruction_field?: string | null;
  input_field?: string | null;
  limit?: number | null;
  /** count, fraction, or null = what the test parts leave, over K */
  per_iteration?: number | string | null;
  test_per_iteration?: number | string;
}

export function sourceSpecFromRecipe(p: PromptsRecipe): PromptSourceSpec {
  let fields: FieldMapping = { kind: "auto" };
  if (p.messages_field) fields = { kind: "messages", field: p.messages_field, turn: "last" };
  else if (p.instruction_field)
    fields = { kind: "alpaca", instruction: p.instruction_field, input: p.input_field ?? "input" };
  else if (p.field) fields = { kind: "prompt", field: p.field };
  return {
    path: p.source,
    format: p.format === "auto" ? undefined : p.format,
    split: p.split_name ?? undefined,
    fields,
    limit: p.limit ?? undefined,
  };
}

export function splitSpecFromRecipe(p: PromptsRecipe, iterations: number, seed: number): SplitSpec {
  return {
    iterations,
    train: parseSize(p.per_iteration ?? "rest", "prompts.per_iteration"),
    test: parseSize(p.test_per_iteration ?? 0, "prompts.test_per_iteration"),
    seed,
  };
}
