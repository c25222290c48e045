// The `eval` stage: held-out evaluation inside the loop (training reward + an independent judge + length,
// win rate vs the base model with its standard error), and optional AlpacaEval at the end.
import { z } from "zod";
import { pathField, samplingFields } from "./common.js";
import { rankerSpecSchema } from "../../reward/index.js";
import { RANKER_DESCRIPTION } from "./rank.js";

export const evalSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("bool. Evaluate each iteration on its held-out prompts."),
    temperature: samplingFields.temperature
      .unwrap()
      .default(0)
      .describe(
        "float >= 0. Sampling temperature of held-out answers; 0 = greedy (deterministic, comparable).",
      ),
    max_tokens: samplingFields.max_tokens,
    judge: rankerSpecSchema
      .nullable()
      .default(null)
      .describe(
        `ranker spec | null. The held-out judge, different from the training reward so reward hacking shows; win rate vs base is computed with it (null = the training ranker). ${RANKER_DESCRIPTION}`,
      ),
    alpaca_eval: z
      .strictObject({
        enabled: z.boolean().default(false).describe("bool. Run AlpacaEval after the last iteration."),
        instructions: pathField("path. Instruction file (alpaca_eval format).").nullable().default(null),
        judge_base_url: z.string().url().nullable().default(null).describe("URL | null. Judge endpoint."),
        judge_model: z.string().nullable().default(null).describe("string | null. Judge model."),
      })
      .prefault({})
      .describe("AlpacaEval 2.0-compatible evaluation at the end of the run."),
  })
  .describe("Evaluation inside the loop and at the end.");

export type EvalConfig = z.infer<typeof evalSchema>;
