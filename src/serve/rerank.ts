// Best-of-N selection: score every candidate of a prompt (with the server's Ranker, or by mean token
// log-prob as OpenAI's best_of does when no ranker is set) and keep the n best, best first.
// Not the rankers themselves (src/reward).
import type { GeneratedSample } from "../generate/index.js";
import type { Ranker } from "../reward/index.js";

export interface Selection {
  /** indices into the candidates, best first, length n */
  chosen: number[];
  /** one score per candidate (higher is better) */
  scores: number[];
  /** what produced the scores: the ranker id or "mean_logprob" */
  scorer: string;
}

/** Mean log-prob per generated token; candidates without logprobs score -Infinity→ lowest (kept finite). */
export function meanLogprob(sample: GeneratedSample): number {
  const lp = sample.logprobs;
  if (!lp || lp.length === 0) return -1e9;
  return lp.reduce((a, b) => a + b, 0) / lp.length;
}

export async function selectBest(
  prompt: string,
  candidates: GeneratedSample[],
  n: number,
  ranker: Ranker | undefined,
): Promise<Selection> {
  const scores = ranker
    ? (
        await ranker.score(
          prompt,
          candidates.map((c) => c.text),
        )
      ).scores
    : candidates.map(meanLogprob);
  // stable: equal scores keep sample order, so a fixed seed gives a fixed answer
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return { chosen: order.slice(0, n).map(([, i]) => i), scores, scorer: ranker?.id ?? "mean_logprob" };
}
