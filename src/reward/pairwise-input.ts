// The pairwise (PairRM-style) head on a Llama-family reward model, as prefloop's `rm train --set loss=pairwise`
// trains it: one sequence [prompt]["Response A: " a]["Response B: " b], the score head read at each candidate's
// last token, logit(a ≻ b) = score(A end) − score(B end); and how a matrix of such logits scores candidates.
// Shared by src/rm (training, rewardModelRanker) and classifier.ts (`classifier:<dir>`). Not PairRM's collation.
import type { Tokenizer } from "../text/index.js";

/** Keep the last `max` tokens (the prompt's end is nearest the responses). */
function keepEnd(ids: number[], max: number): number[] {
  return ids.length > max ? ids.slice(ids.length - max) : ids;
}

/** [prompt + "Response A: " a][ "Response B: " b]: each candidate cut to its share of `maxLength`. */
export function pairwiseIds(
  assets: { tokenizer: Tokenizer },
  prompt: string,
  a: string,
  b: string,
  maxLength: number,
): { ids: number[]; left: number; right: number } {
  const tok = assets.tokenizer;
  const p = keepEnd(tok.encode(prompt), Math.floor(maxLength / 3));
  const budget = Math.max(2, Math.floor((maxLength - p.length) / 2));
  const ea = tok.encode(`\n\nResponse A: ${a}`).slice(0, budget);
  const eb = tok.encode(`\n\nResponse B: ${b}`).slice(0, budget);
  const ids = [...p, ...ea, ...eb];
  return { ids, left: p.length + ea.length - 1, right: ids.length - 1 };
}

/** score_a = Σ_{b≠a} (M[a][b] − M[b][a]) / (2(n − 1)): a candidate's mean logit against the others, both orders. */
export function pairwiseScores(matrix: number[][]): number[] {
  const n = matrix.length;
  return matrix.map((row, a) => {
    let s = 0;
    for (let b = 0; b < n; b++) if (b !== a) s += row[b] - matrix[b][a];
    return s / (2 * Math.max(1, n - 1));
  });
}
