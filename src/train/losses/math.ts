// Numerically stable scalar helpers for the losses (float64). Not tensor code.

/** log(sigmoid(x)) without overflow. */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Reference log-probs, or a clear error when a reference-based loss has none. */
export function requireRef(a: Float64Array | null, loss: string): Float64Array {
  if (a === null) throw new Error(`loss '${loss}' needs reference log-probs but none were given`);
  return a;
}

/** Mean of an array (0 for empty). */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length === 0 ? 0 : s / a.length;
}

/** A term from per-pair losses and per-pair d(loss_i)/d(input_i); divides by N (the mean). */
export function meanTerm(losses: Float64Array, dC: Float64Array, dR: Float64Array) {
  const n = losses.length;
  for (let i = 0; i < n; i++) {
    dC[i] = dC[i] / n;
    dR[i] = dR[i] / n;
  }
  return { loss: mean(losses), losses, dChosen: dC, dRejected: dR };
}
