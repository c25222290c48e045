// Small zod helpers shared by the stage schemas: path fields (resolved against the recipe's folder when
// they start with ./ or ../) and the sampling block reused by generation and evaluation.
import { z } from "zod";

/** Marks a string field as a filesystem path (see resolveRecipePaths). */
export const PATH_META_KEY = "x-prefloop-path";

export function pathField(description: string) {
  return z
    .string()
    .min(1)
    .meta({ [PATH_META_KEY]: true })
    .describe(description);
}

export const samplingFields = {
  temperature: z
    .number()
    .min(0)
    .max(5)
    .default(0.8)
    .describe("float >= 0. Softmax temperature; 0 = greedy. Diverse samples are what ranking needs."),
  top_p: z.number().gt(0).max(1).default(1).describe("float in (0, 1]. Nucleus sampling mass; 1 = off."),
  top_k: z.number().int().min(0).default(0).describe("int >= 0. Keep the k most likely tokens; 0 = off."),
  min_p: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe("float in [0, 1]. Drop tokens below min_p x the top probability; 0 = off."),
  max_tokens: z.number().int().positive().default(256).describe("int > 0. Maximum new tokens per response."),
  stop: z
    .array(z.string().min(1))
    .default([])
    .describe("list of strings. Extra stop strings; EOS always stops."),
};
