// The weak-supervision path: labelling functions (any Ranker: programmatic scorers, user modules, judges)
// vote on which of two responses is better; the label model (src/reward's one-coin Dawid–Skene) turns the
// votes into P(a ≻ b) without gold labels; those soft labels train a Bradley–Terry reward model. Not the
// label model itself. Follows Snorkel's pipeline (Ratner et al. 2017) on pairwise votes.
import { fitLabelModel, type LabelModelFit, type Ranker } from "../reward/index.js";

export interface UnlabelledPair {
  prompt: string;
  a: string;
  b: string;
}

export interface WeakLabels {
  /** votes[k][i] ∈ {−1, 0, +1}: +1 = labelling function k prefers a on pair i */
  votes: Int8Array[];
  fit: LabelModelFit;
  /** P(a ≻ b) per pair */
  soft: Float64Array;
}

/** Votes of each ranker on each pair (ties abstain), then the label model's posteriors. */
export async function weakLabels(pairs: UnlabelledPair[], rankers: Ranker[]): Promise<WeakLabels> {
  const votes: Int8Array[] = [];
  for (const r of rankers) {
    const v = new Int8Array(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const { scores } = await r.score(pairs[i].prompt, [pairs[i].a, pairs[i].b]);
      v[i] = Math.sign(scores[0] - scores[1]);
    }
    votes.push(v);
  }
  // pair orientation is arbitrary: the prior of "a wins" is fixed at 1/2
  const fit = fitLabelModel(votes, { fixedPrior: 0.5 });
  return { votes, fit, soft: fit.posteriors };
}
