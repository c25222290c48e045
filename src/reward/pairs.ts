// Preference-pair selection from one scored group: best-vs-worst or best-vs-random (seeded per prompt),
// tie filtering, a minimum margin, and an optional length-ratio window. Pure: the pipeline calls
// buildPair(group, strategy) per prompt; the same inputs always give the same pair.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Tokenizer } from "../text/index.js";
import { lengthUnitSchema } from "./length-control.js";
import { lengthOf } from "./scorers/builtins.js";

export const pairStrategySchema = z
  .object({
    select: z
      .enum(["best-vs-worst", "best-vs-random"])
      .default("best-vs-worst")
      .describe("rejected = the lowest-scored candidate, or a random lower-scored one (seeded)"),
    seed: z.number().int().default(0).describe("best-vs-random: mixed with the prompt id"),
    dropTies: z.boolean().default(true).describe("drop groups whose best and worst scores tie"),
    minMargin: z.number().min(0).default(0).describe("drop pairs whose score gap is below this"),
    maxLengthRatio: z
      .number()
      .min(1)
      .optional()
      .describe("only pair candidates whose longer/shorter length ratio is at most this"),
    lengthUnit: lengthUnitSchema.default("chars"),
  })
  .strict()
  .default({
    select: "best-vs-worst",
    seed: 0,
    dropTies: true,
    minMargin: 0,
    lengthUnit: "chars",
  });
export type PairStrategy = z.infer<typeof pairStrategySchema>;

export interface PairGroup {
  promptId: string;
  candidates: string[];
  /** the scores pairs are chosen by (after length control, if any) */
  scores: number[];
}

export interface Pair {
  chosenIndex: number;
  rejectedIndex: number;
  chosen: string;
  rejected: string;
  scoreChosen: number;
  scoreRejected: number;
}

/** A uniform draw in [0, 1) fixed by (seed, promptId): reruns and resumes pick the same pair. */
function seededUniform(seed: number, promptId: string): number {
  const h = createHash("sha256").update(`${seed}\u0000${promptId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** The pair for one group, or null when the strategy drops the group (ties, margin, length window). */
export function buildPair(group: PairGroup, strategy: PairStrategy, tokenizer?: Tokenizer): Pair | null {
  const { candidates, scores } = group;
  const n = candidates.length;
  if (n < 2 || scores.length !== n) return null;
  const finite = scores.filter((s) => !Number.isNaN(s));
  if (finite.length < 2) return null;
  if (strategy.dropTies && Math.max(...finite) === Math.min(...finite)) return null;
  const lengths =
    strategy.maxLengthRatio !== undefined
      ? candidates.map((c) => Math.max(1, lengthOf(c, strategy.lengthUnit, tokenizer)))
      : null;
  const within = (i: number, j: number): boolean =>
    lengths === null ||
    Math.max(lengths[i], lengths[j]) / Math.min(lengths[i], lengths[j]) <=
      (strategy.maxLengthRatio ?? Infinity);
  // Highest score first; among equal scores the earlier candidate (stable sort).
  const order = scores
    .map((_, i) => i)
    .filter((i) => !Number.isNaN(scores[i]))
    .sort((a, b) => scores[b] - scores[a]);
  for (const best of order) {
    const eligible = order.filter(
      (j) =>
        j !== best &&
        within(best, j) &&
        (strategy.dropTies ? scores[j] < scores[best] : scores[j] <= scores[best]) &&
        scores[best] - scores[j] >= strategy.minMargin,
    );
    if (eligible.length === 0) {
      if (lengths === null) return null;
      continue;
    }
    const rejected =
      strategy.select === "best-vs-worst"
        ? eligible[eligible.length - 1]
        : eligible[Math.floor(seededUniform(strategy.seed, group.promptId) * eligible.length)];
    return {
      chosenIndex: best,
      rejectedIndex: rejected,
      chosen: candidates[best],
      rejected: candidates[rejected],
      scoreChosen: scores[best],
      scoreRejected: scores[rejected],
    };
  }
  return null;
}
