// Pair building for the pairs stage: length control over the iteration's scored groups, then the reward
// layer's pair selection (src/reward/pairs.ts: best-vs-worst or best-vs-random, ties, margin, length ratio)
// per group, turned into preference rows (DESIGN.md columns). Raw ranker scores stay in the rows.
import type { PairsConfig, RankConfig } from "../config/index.js";
import { applyLengthControl, buildPair, type PairStrategy } from "../reward/index.js";
import type { ChatMessage } from "../util/types.js";
import type { PreferenceRow } from "./components.js";

export interface ScoredGroup {
  prompt_id: string;
  /** the user turn (the dataset's `prompt` column) */
  prompt: string;
  /** the conversation up to the user turn; chosen/rejected extend it with the answer */
  messages: ChatMessage[];
  responses: string[];
  scores: number[];
}

export interface PairCounts {
  groups: number;
  pairs_kept: number;
  /** groups whose scores all tie (nothing to learn from) */
  dropped_ties: number;
  /** groups with a spread but no pair passing min_margin / max_length_ratio */
  dropped_filtered: number;
}

export function pairStrategy(config: PairsConfig, seed: number): PairStrategy {
  return {
    select: config.strategy === "best_random" ? "best-vs-random" : "best-vs-worst",
    seed,
    dropTies: true,
    minMargin: config.min_margin,
    maxLengthRatio: config.max_length_ratio ?? undefined,
    lengthUnit: config.length_unit,
  };
}

export function buildPairs(
  groups: ScoredGroup[],
  pairs: PairsConfig,
  lengthControl: RankConfig["length_control"],
  seed: number,
): { rows: PreferenceRow[]; counts: PairCounts } {
  const strategy = pairStrategy(pairs, seed);
  const adjusted = applyLengthControl(
    groups.map((g) => ({ candidates: g.responses, scores: g.scores })),
    lengthControl,
  );
  const counts: PairCounts = { groups: groups.length, pairs_kept: 0, dropped_ties: 0, dropped_filtered: 0 };
  const rows: PreferenceRow[] = [];
  groups.forEach((g, i) => {
    const scores = adjusted[i];
    const finite = scores.filter((s) => !Number.isNaN(s));
    if (finite.length < 2 || Math.max(...finite) === Math.min(...finite)) {
      counts.dropped_ties += 1;
      return;
    }
    const pair = buildPair({ promptId: g.prompt_id, candidates: g.responses, scores }, strategy);
    if (pair === null) {
      counts.dropped_filtered += 1;
      return;
    }
    const chosen: ChatMessage[] = [...g.messages, { role: "assistant", content: pair.chosen }];
    rows.push({
      prompt_id: g.prompt_id,
      prompt: g.prompt,
      chosen,
      rejected: [...g.messages, { role: "assistant", content: pair.rejected }],
      messages: chosen,
      score_chosen: g.scores[pair.chosenIndex],
      score_rejected: g.scores[pair.rejectedIndex],
      all_generated_responses: g.responses,
      all_rm_scores: g.scores,
    });
    counts.pairs_kept += 1;
  });
  return { rows, counts };
}
