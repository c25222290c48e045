// The `generate` stage: n samples per prompt from the iteration's starting policy, settable per iteration.
import { z } from "zod";
import { samplingFields } from "./common.js";

const nField = z
  .number()
  .int()
  .min(2)
  .max(64)
  .describe("int in [2, 64]. Samples per prompt; ranking needs at least 2 (seed recipe: 5).");

const overrideSchema = z
  .strictObject({
    n: nField.optional(),
    temperature: samplingFields.temperature.unwrap().optional(),
    top_p: samplingFields.top_p.unwrap().optional(),
    top_k: samplingFields.top_k.unwrap().optional(),
    min_p: samplingFields.min_p.unwrap().optional(),
    max_tokens: samplingFields.max_tokens.unwrap().optional(),
  })
  .describe("Fields that replace the stage's own values for one iteration.");

export const generateSchema = z
  .strictObject({
    n: nField.default(5),
    ...samplingFields,
    batch_size: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe("int > 0. Prompts decoded together (local engine) or requests in flight (remote)."),
    per_iteration: z
      .array(overrideSchema)
      .default([])
      .describe(
        "list of overrides. Entry k-1 overrides n and sampling for iteration k (e.g. cooler sampling later); missing entries use the stage values.",
      ),
  })
  .describe("Sampling n responses per prompt from the iteration's starting policy.");

export type GenerateConfig = z.infer<typeof generateSchema>;
export type GenerateOverride = z.infer<typeof overrideSchema>;
