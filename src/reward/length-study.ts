// Measures what a length control does to a set of preference pairs: the mean chosen-minus-rejected
// length difference before and after, and how many original pairs survive unchanged. Used by
// scripts/length-control-figures.ts (docs/rankers.md) and its test; not part of the training path.
import { applyLengthControl, type LengthControl } from "./length-control.js";
import { buildPair, type PairStrategy, pairStrategySchema } from "./pairs.js";
import { lengthOf } from "./scorers/builtins.js";

export interface StudyRow {
  promptId: string;
  /** candidate 0 is the original chosen, candidate 1 the original rejected */
  candidates: [string, string];
  scores: [number, number];
}

export interface StudyResult {
  pairs: number;
  kept: number;
  /** kept pairs whose chosen is the original chosen, over all original pairs */
  agreement: number;
  meanLengthDiff: number;
  meanAbsLengthDiff: number;
}

export function lengthStudy(
  rows: StudyRow[],
  control: LengthControl,
  strategy: Partial<PairStrategy> = {},
): StudyResult {
  const strat = pairStrategySchema.parse({ ...strategy, dropTies: false });
  const adjusted = applyLengthControl(rows, control);
  let kept = 0;
  let same = 0;
  let diff = 0;
  let absDiff = 0;
  rows.forEach((row, k) => {
    const pair = buildPair(
      { promptId: row.promptId, candidates: row.candidates, scores: adjusted[k] },
      strat,
    );
    if (!pair) return;
    kept++;
    if (pair.chosenIndex === 0) same++;
    const d = lengthOf(pair.chosen, strat.lengthUnit) - lengthOf(pair.rejected, strat.lengthUnit);
    diff += d;
    absDiff += Math.abs(d);
  });
  return {
    pairs: rows.length,
    kept,
    agreement: rows.length ? same / rows.length : 0,
    meanLengthDiff: kept ? diff / kept : 0,
    meanAbsLengthDiff: kept ? absDiff / kept : 0,
  };
}
