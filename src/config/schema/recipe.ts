// The recipe: one schema per stage composed into the whole, plus the run-level fields (name, output folder,
// iterations, seed, threads). Precedence: these defaults < recipe.yaml < --set flags (see ../load.ts).
import { z } from "zod";
import { enginesSchema } from "./engines.js";
import { evalSchema } from "./eval.js";
import { generateSchema } from "./generate.js";
import { modelSchema } from "./model.js";
import { pairsSchema } from "./pairs.js";
import { promptsSchema } from "./prompts.js";
import { rankSchema } from "./rank.js";
import { trainSchema } from "./train.js";

export const recipeSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, '.', '_' or '-'")
      .default("default")
      .describe("string. Run name; the run folder is runs/<name> unless out_dir is set."),
    out_dir: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("path | null. Run folder (relative to the working directory); null = runs/<name>."),
    iterations: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe(
        "int in [1, 100]. K: sample-rank-train rounds, each on a disjoint prompt part (seed recipe: 3).",
      ),
    seed: z.number().int().min(0).default(0).describe("int >= 0. Seeds shuffling, sampling and training."),
    threads: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("int >= 0. Engine threads; 0 = all cores. Same seed + threads = same files."),
    model: modelSchema,
    prompts: promptsSchema,
    generate: generateSchema.prefault({}),
    rank: rankSchema,
    pairs: pairsSchema.prefault({}),
    train: trainSchema.prefault({}),
    eval: evalSchema.prefault({}),
    engines: enginesSchema.prefault({}),
  })
  .superRefine((r, ctx) => {
    if (r.generate.per_iteration.length > r.iterations) {
      ctx.addIssue({
        code: "custom",
        path: ["generate", "per_iteration"],
        message: `expected at most ${r.iterations} entries (one per iteration), got ${r.generate.per_iteration.length}`,
      });
    }
    if (r.engines.generator.type === "openai" && r.engines.generator.base_url === null) {
      ctx.addIssue({
        code: "custom",
        path: ["engines", "generator", "base_url"],
        message: "expected a URL when generator type is openai",
      });
    }
  })
  .describe("A prefloop recipe: everything a run needs, validated before anything starts.");

export type Recipe = z.infer<typeof recipeSchema>;
/** What a recipe file may contain (defaults not yet applied). */
export type RecipeInput = z.input<typeof recipeSchema>;
