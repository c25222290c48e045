// The `rank` stage: which ranker scores each prompt's n responses (the training reward) and the length
// control applied to those scores before pairs are built. The ranker spec and length-control schemas are
// the reward layer's own (src/reward/spec.ts, length-control.ts); this file composes them into the recipe.
import { z } from "zod";
import { lengthControlSchema, rankerSpecSchema } from "../../reward/index.js";

export const RANKER_DESCRIPTION =
  "ranker spec. A short string (story-suite, length, repetition:3, regex:/please/i, keywords:a,b, ./my-scorer.ts, pairrm:models/PairRM, classifier:<folder>, judge:<url>#<model>, ensemble:<spec>;0.5*<spec>, label-model:...) or the object form {type: ..., ...}; see docs/rankers.md. Paths are relative to the recipe file (to the working directory in a --set flag).";

export const rankSchema = z
  .strictObject({
    ranker: rankerSpecSchema.describe(`${RANKER_DESCRIPTION} Required.`),
    length_control: lengthControlSchema.describe(
      "{mode: none | penalty | residual, ...}. Applied to the scores before pairs are built: penalty = score - lambda*length/per; residual = what a score ~ length fit over the batch does not explain. Counters the reward's length bias (the seed recipe's LC win rate trails its raw one).",
    ),
    batch_size: z.number().int().positive().default(16).describe("int > 0. Groups scored together."),
  })
  .describe("Ranking the sampled responses (the training reward).");

export type RankConfig = z.infer<typeof rankSchema>;
