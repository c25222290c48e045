// Numbers the report derives from the run files: win rates vs base and vs the previous iteration (mean of
// per-prompt verdicts, SE = sample SD / sqrt(n) as AlpacaEval and the controller compute it), mean lengths of
// held-out answers and of chosen / rejected responses, score margins. Not the charts nor the HTML.
import type { IterationData, RunData, SummaryRow } from "./run-data.js";

export interface Estimate {
  value: number;
  se: number | null;
  n: number;
}

export function meanSe(xs: number[]): Estimate | null {
  if (xs.length === 0) return null;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { value: m, se: null, n: xs.length };
  const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return { value: m, se: Math.sqrt(v / xs.length), n: xs.length };
}

const verdict = (a: number, b: number): number => (a > b ? 1 : a < b ? 0 : 0.5);

/** Iteration k vs base: the judge's verdicts recorded in heldout.jsonl (`win`). */
export function winVsBase(it: IterationData): Estimate | null {
  return meanSe(it.heldOut.map((r) => r.win).filter((w): w is number => w !== null));
}

/**
 * Iteration k vs k-1 on the same held-out prompts. Iteration 1's previous model is the base, so this is the
 * judge's verdict. Later iterations compare the judge's scores of the two answers (each scored beside the base
 * answer), the only judgement the run records for that pair; exact for pointwise judges.
 */
export function winVsPrevious(prev: IterationData, it: IterationData): Estimate | null {
  if (prev.iteration === 0) return winVsBase(it);
  const before = new Map(prev.heldOut.map((r) => [r.prompt_id, r.judge_scores]));
  const wins: number[] = [];
  for (const r of it.heldOut) {
    const b = before.get(r.prompt_id);
    if (r.judge_scores && b) wins.push(verdict(r.judge_scores[0], b[0]));
  }
  return meanSe(wins);
}

const assistantText = (m: { role: string; content: string }[]): string =>
  m.filter((x) => x.role === "assistant").at(-1)?.content ?? "";

export interface IterationNumbers {
  iteration: number;
  heldOutReward: Estimate | null;
  winVsBase: Estimate | null;
  winVsPrevious: Estimate | null;
  meanLength: number | null;
  chosenLength: number | null;
  rejectedLength: number | null;
  meanMargin: number | null;
  pairsKept: number | null;
  trainLoss: number | null;
  rewardAccuracy: number | null;
  seconds: number | null;
}

const mean = (xs: number[]): number | null => meanSe(xs)?.value ?? null;
const finite = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/** One row per iteration (0 = base), from summary.json where it has the number, else from the files. */
export function iterationNumbers(run: RunData): IterationNumbers[] {
  const bySummary = new Map<number, SummaryRow>(run.summary.map((r) => [r.iteration, r]));
  return run.iterations.map((it, i) => {
    const s = bySummary.get(it.iteration);
    const lastLog = [...it.trainLog].reverse().find((l) => typeof l.loss === "number");
    const secs = s ? Object.values(s.seconds_by_stage).reduce((a, b) => a + b, 0) : null;
    return {
      iteration: it.iteration,
      heldOutReward: meanSe(it.heldOut.map((r) => r.reward)),
      winVsBase: it.iteration === 0 ? null : winVsBase(it),
      winVsPrevious: i === 0 ? null : winVsPrevious(run.iterations[i - 1], it),
      meanLength: finite(s?.mean_length_chars) ?? mean(it.heldOut.map((r) => r.length_chars)),
      chosenLength: mean(it.pairs.map((p) => [...assistantText(p.chosen)].length)),
      rejectedLength: mean(it.pairs.map((p) => [...assistantText(p.rejected)].length)),
      meanMargin: mean(it.pairs.map((p) => p.score_chosen - p.score_rejected)),
      pairsKept: finite(s?.pairs_kept) ?? (it.iteration === 0 ? null : it.pairs.length),
      trainLoss: finite(s?.train_loss) ?? finite(lastLog?.loss),
      rewardAccuracy: finite(s?.reward_accuracy) ?? finite(lastLog?.["rewards/accuracies"]),
      seconds: secs,
    };
  });
}

export { assistantText };
