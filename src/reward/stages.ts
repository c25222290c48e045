// The default story ranker and judge of the bundled recipe, and selectPairs: length control over a whole
// batch, then buildPair per group. The recipe's own sections (src/config) compose rankerSpecSchema,
// lengthControlSchema and pairStrategySchema; this file holds no schema of its own.
import type { Tokenizer } from "../text/index.js";
import { applyLengthControl, type LengthControl } from "./length-control.js";
import { buildPair, type Pair, type PairGroup, type PairStrategy } from "./pairs.js";

/** The bundled recipe's reward: the story suite (trained on) and the held-out judge (reported only). */
export const defaultStoryRanker = "story-suite";
export const defaultStoryJudge = "story-judge";

export interface PairSelection {
  lengthControl: LengthControl;
  strategy: PairStrategy;
}

/** Pairs for a batch (one iteration's groups): length control over the batch, then buildPair per group. */
export function selectPairs(
  groups: PairGroup[],
  config: PairSelection,
  tokenizer?: Tokenizer,
): Array<{ promptId: string; pair: Pair | null }> {
  const adjusted = applyLengthControl(groups, config.lengthControl, tokenizer);
  return groups.map((g, k) => ({
    promptId: g.promptId,
    pair: buildPair({ ...g, scores: adjusted[k] }, config.strategy, tokenizer),
  }));
}
