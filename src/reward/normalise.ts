// Per-group score normalisation for ensembles: z-scores or fractional ranks within one prompt's
// candidates, so scorers on different scales (characters, probabilities, logits) can be summed.

export type Normalisation = "z" | "rank" | "none";

/** z: (s − mean) / std (population std; all-equal groups → zeros). rank: average rank scaled to [0, 1]. */
export function normaliseGroup(scores: number[], mode: Normalisation): number[] {
  const n = scores.length;
  if (mode === "none" || n === 0) return scores.slice();
  if (mode === "z") {
    const mean = scores.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    return scores.map((s) => (sd > 1e-12 ? (s - mean) / sd : 0));
  }
  if (n === 1) return [0.5];
  return averageRanks(scores).map((r) => r / (n - 1));
}

/** 0-based ranks (0 = lowest), ties sharing the mean of their positions. */
export function averageRanks(scores: number[]): number[] {
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const ranks = new Array<number>(scores.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].s === order[start].s) end++;
    const r = (start + end) / 2;
    for (let t = start; t <= end; t++) ranks[order[t].i] = r;
    start = end + 1;
  }
  return ranks;
}
