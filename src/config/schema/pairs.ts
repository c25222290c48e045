// The `pairs` stage: how scored groups become (chosen, rejected) pairs.
import { z } from "zod";

export const pairsSchema = z
  .strictObject({
    strategy: z
      .enum(["best_worst", "best_random"])
      .default("best_worst")
      .describe(
        "best_worst | best_random. chosen = best; rejected = worst (the seed recipe) or a random other response.",
      ),
    min_margin: z
      .number()
      .min(0)
      .default(0)
      .describe(
        "float >= 0. Drop pairs whose chosen-minus-rejected score is below this; groups that all tie are always dropped and counted.",
      ),
    max_length_ratio: z
      .number()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "float >= 1 | null. Only pair responses whose length ratio is within this bound; null = off.",
      ),
    length_unit: z
      .enum(["chars", "words", "tokens"])
      .default("chars")
      .describe("chars | words | tokens. How max_length_ratio counts length."),
  })
  .describe("Building preference pairs from ranked groups.");

export type PairsConfig = z.infer<typeof pairsSchema>;
