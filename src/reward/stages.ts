// The reward layer's recipe sections (rank and pairs) as zod schemas the recipe composes, the default
// story ranker and judge of the bundled recipe, and selectPairs: length control over a whole batch,
// then buildPair per group. Not the recipe schema itself (src/pipeline owns it).
import { z } from "zod";
import type { Tokenizer } from "../text/tokenizer.js";
import { applyLengthControl, lengthControlSchema } from "./length-control.js";
import { buildPair, type Pair, type PairGroup, pairStrategySchema } from "./pairs.js";
import { rankerSpecSchema } from "./spec.js";

/** The bundled recipe's reward: the story suite (trained on) and the held-out judge (reported only). */
export const defaultStoryRanker = "story-suite";
export const defaultStoryJudge = "story-judge";

export const rankStageSchema = z
  .object({
    ranker: rankerSpecSchema
      .prefault(defaultStoryRanker)
      .describe("what scores the candidates (docs/rankers.md)"),
    judge: rankerSpecSchema
      .optional()
      .describe(
        "a held-out ranker reported beside the reward, never trained on: reward hacking shows as a gap",
      ),
    cache: z.boolean().default(true).describe("keep a score cache so reruns cost nothing"),
    batchSize: z.number().int().positive().default(64).describe("groups scored and appended at a time"),
    concurrency: z
      .number()
      .int()
      .positive()
      .default(4)
      .describe("parallel groups for one-group-at-a-time rankers"),
  })
  .strict();
export type RankStageConfig = z.infer<typeof rankStageSchema>;

export const pairsStageSchema = z
  .object({
    lengthControl: lengthControlSchema,
    strategy: pairStrategySchema,
  })
  .strict();
export type PairsStageConfig = z.infer<typeof pairsStageSchema>;

/** Pairs for a batch (one iteration's groups): length control over the batch, then buildPair per group. */
export function selectPairs(
  groups: PairGroup[],
  config: PairsStageConfig,
  tokenizer?: Tokenizer,
): Array<{ promptId: string; pair: Pair | null }> {
  const adjusted = applyLengthControl(groups, config.lengthControl, tokenizer);
  return groups.map((g, k) => ({
    promptId: g.promptId,
    pair: buildPair({ ...g, scores: adjusted[k] }, config.strategy, tokenizer),
  }));
}
