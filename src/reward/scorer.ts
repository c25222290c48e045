// Pointwise scorers: a function (prompt, response) -> number behind the Ranker interface.
// Not for group-dependent rankers (PairRM, tournaments); see ranker.ts for those.
import { InputError } from "../util/errors.js";
import type { Ranker, RankResult } from "./ranker.js";

export type ScoreFn = (prompt: string, response: string) => number | Promise<number>;

export interface Scorer {
  readonly id: string;
  score: ScoreFn;
}

/** Wraps a pointwise scorer as a Ranker. NaN or non-numbers throw: they would poison every normalisation downstream. */
export function scorerRanker(scorer: Scorer): Ranker {
  return {
    id: scorer.id,
    pointwise: true,
    async score(prompt: string, candidates: string[]): Promise<RankResult> {
      const scores = await Promise.all(candidates.map((c) => scorer.score(prompt, c)));
      scores.forEach((s, i) => {
        if (typeof s !== "number" || Number.isNaN(s)) {
          throw new InputError(
            `scorer ${scorer.id} returned ${String(s)} for candidate ${i}; expected a number`,
          );
        }
      });
      return { scores };
    },
  };
}
