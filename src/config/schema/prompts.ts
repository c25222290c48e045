// The `prompts` stage: where prompts come from, how fields map, and how they split into K parts + held-out.
import { z } from "zod";
import { pathField } from "./common.js";

const sizeSchema = z
  .number()
  .positive()
  .describe("int >= 1 (a count) or float in (0, 1) (a fraction of the deduplicated pool).")
  .refine((v) => v < 1 || Number.isInteger(v), {
    message: "expected a count (integer >= 1) or a fraction in (0, 1)",
  });

export const promptsSchema = z
  .strictObject({
    source: pathField(
      "path. Prompt file or folder: JSONL, JSON array, CSV, Parquet, or an HF dataset folder (Parquet shards per split). Required.",
    ),
    format: z
      .enum(["auto", "jsonl", "json", "csv", "parquet", "hf"])
      .default("auto")
      .describe("auto | jsonl | json | csv | parquet | hf. auto picks by extension (a folder = hf)."),
    split_name: z
      .string()
      .nullable()
      .default(null)
      .describe("string | null. For HF folders, which split to read (e.g. train_prefs); null = all."),
    field: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "string | null. Column holding the prompt text; null = auto-detect (prompt, instruction, messages).",
      ),
    messages_field: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "string | null. Column holding chat messages [{role, content}]; the last user turn ends the prompt.",
      ),
    instruction_field: z
      .string()
      .nullable()
      .default(null)
      .describe("string | null. Alpaca-style instruction column (joined with input_field)."),
    input_field: z.string().nullable().default(null).describe("string | null. Alpaca-style input column."),
    limit: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe("int | null. Read at most this many rows (after dedupe); null = all."),
    per_iteration: sizeSchema
      .nullable()
      .default(null)
      .describe(
        "count, fraction or null. Training prompts per iteration part; the K parts are disjoint (the seed recipe: 20k UltraFeedback prompts in 3 parts). null = what is left after the held-out parts, split evenly over K.",
      ),
    test_per_iteration: sizeSchema
      .default(0.05)
      .describe(
        "count or fraction. Held-out prompts per iteration (never trained on) for in-loop evaluation.",
      ),
    shuffle: z.boolean().default(true).describe("bool. Seeded shuffle before splitting (seed = run seed)."),
  })
  .describe(
    "Prompt source, field mapping and the disjoint split into K iteration parts plus held-out parts.",
  );

export type PromptsConfig = z.infer<typeof promptsSchema>;
