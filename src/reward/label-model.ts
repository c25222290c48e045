// Weak-supervision label model: one-coin Dawid–Skene (Dawid & Skene 1979; the binary case of Snorkel's
// generative label model, Ratner et al. 2017). Each labelling function k votes +1, −1 or abstains (0)
// on item i and is right with probability a_k whatever the true label; EM estimates a_k and the class
// prior from the votes alone (no gold labels) under conditional independence. Not a multi-class model.

export interface LabelModelFit {
  /** estimated P(vote correct | vote cast), one per labelling function */
  accuracies: number[];
  /** estimated P(y = +1) */
  prior: number;
  /** P(y_i = +1 | votes), one per item */
  posteriors: Float64Array;
  iterations: number;
}

export interface LabelModelOptions {
  maxIterations?: number;
  tolerance?: number;
  /** keep the prior at 0.5 (pairwise votes, whose orientation is arbitrary) */
  fixedPrior?: number;
  /** Beta(s, s) smoothing of each accuracy; keeps a_k off 0 and 1 on tiny data */
  smoothing?: number;
}

const clampAcc = (a: number): number => Math.min(0.999, Math.max(0.001, a));
const logit = (p: number): number => Math.log(p / (1 - p));

/** votes[k][i] ∈ {−1, 0, +1}; all rows the same length. */
export function fitLabelModel(votes: ArrayLike<number>[], options: LabelModelOptions = {}): LabelModelFit {
  const m = votes.length;
  const n = m === 0 ? 0 : votes[0].length;
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-7;
  const s = options.smoothing ?? 1;
  // Start from the soft majority vote: this picks the EM solution where functions beat chance,
  // not its mirror image where every function is adversarial.
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let cast = 0;
    for (let k = 0; k < m; k++) {
      sum += votes[k][i];
      cast += votes[k][i] !== 0 ? 1 : 0;
    }
    q[i] = cast === 0 ? 0.5 : 0.5 + (0.5 * sum) / cast;
  }
  const acc = new Array<number>(m).fill(0.7);
  let prior = options.fixedPrior ?? 0.5;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // M-step: expected fraction of correct votes per function, and the class prior.
    for (let k = 0; k < m; k++) {
      let right = s;
      let total = 2 * s;
      const row = votes[k];
      for (let i = 0; i < n; i++) {
        const v = row[i];
        if (v === 0) continue;
        right += v > 0 ? q[i] : 1 - q[i];
        total += 1;
      }
      acc[k] = clampAcc(right / total);
    }
    if (options.fixedPrior === undefined) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += q[i];
      prior = Math.min(0.999, Math.max(0.001, n === 0 ? 0.5 : sum / n));
    }
    // E-step: posterior log-odds = prior log-odds + Σ_k vote_k · logit(a_k).
    const w = acc.map(logit);
    const base = logit(prior);
    let change = 0;
    for (let i = 0; i < n; i++) {
      let z = base;
      for (let k = 0; k < m; k++) z += votes[k][i] * w[k];
      const next = 1 / (1 + Math.exp(-z));
      change = Math.max(change, Math.abs(next - q[i]));
      q[i] = next;
    }
    if (change < tolerance) {
      iterations++;
      break;
    }
  }
  return { accuracies: acc, prior, posteriors: q, iterations };
}

/** Majority vote (ties → 0, i.e. undecided); the baseline the label model must beat. */
export function majorityVote(votes: ArrayLike<number>[]): Int8Array {
  const n = votes.length === 0 ? 0 : votes[0].length;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const row of votes) sum += row[i];
    out[i] = Math.sign(sum);
  }
  return out;
}
