// Turning PairRM's pairwise logits into per-candidate scores and ranks, as llm-blender does: the full
// N×N matrix in both orders, score_i = mean_j (M[i,j] − M[j,i]) over all N columns (diagonal 0; upstream's
// "max_logits" policy), ranks with ties sharing the better rank; and the seeded single bubble pass of
// get_best_of_n (2(N−1) comparisons). Not the model. Upstream: gpt_eval/utils.py, pair_ranker/ranker.py.

/** score_i = mean over j of (M[i][j] − M[j][i]); M[i][i] is ignored (taken as 0). */
export function scoresFromMatrix(m: number[][]): number[] {
  const n = m.length;
  return m.map((row, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += row[j] - m[j][i];
    return s / n;
  });
}

/** 1-based ranks, 1 = best (highest score); equal scores share the better rank. */
export function ranksFromScores(scores: number[]): number[] {
  return scores.map((s) => 1 + scores.filter((t) => t > s).length);
}

/** compare(A, B) = M[A,B] − M[B,A]: > 0 when A is preferred, in both presentation orders. */
export function compareFromMatrix(m: number[][], a: number, b: number): number {
  return m[a][b] - m[b][a];
}

/** mulberry32: a small seeded generator, enough for shuffling a handful of candidates reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededPermutation(n: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * One bubble pass over a seeded permutation: adjacent candidates are compared in both orders
 * (`both(a, b)` = logit(a, b) − logit(b, a)) and the preferred one moves right, so the last is the best.
 * Returns the final order (worst-ish first, best last) and the comparisons made.
 */
export async function bubbleBest(
  n: number,
  seed: number,
  both: (a: number, b: number) => Promise<number>,
): Promise<{ order: number[]; comparisons: number }> {
  const order = seededPermutation(n, seed);
  for (let j = 0; j + 1 < n; j++) {
    const cur = order[j];
    const next = order[j + 1];
    // upstream keeps `next` ahead unless cur wins strictly (preds + preds_inv > 0)
    if ((await both(cur, next)) > 0) {
      order[j] = next;
      order[j + 1] = cur;
    }
  }
  return { order, comparisons: 2 * Math.max(0, n - 1) };
}
