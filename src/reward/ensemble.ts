// Ensembles: weighted sums of member scores normalised within each prompt's group, or a label model
// (label-model.ts) that turns every member's pairwise preferences into votes and weighs members by
// their estimated accuracy. Not the length controls (length-control.ts).
import { fitLabelModel } from "./label-model.js";
import { type Normalisation, normaliseGroup } from "./normalise.js";
import type { RankGroup, Ranker, RankResult } from "./ranker.js";

export interface EnsembleMember {
  ranker: Ranker;
  weight: number;
}

function memberIds(members: EnsembleMember[]): string {
  return members.map((m) => `${m.weight}*${m.ranker.id}`).join(";");
}

async function memberScores(members: EnsembleMember[], groups: RankGroup[]): Promise<RankResult[][]> {
  return Promise.all(
    members.map((m) =>
      m.ranker.scoreBatch
        ? m.ranker.scoreBatch(groups)
        : Promise.all(groups.map((g) => m.ranker.score(g.prompt, g.candidates))),
    ),
  );
}

/** Σ_k w_k · normalise(s_k) per group. */
export function weightedEnsemble(members: EnsembleMember[], normalise: Normalisation): Ranker {
  const combine = (perMember: RankResult[]): RankResult => {
    const n = perMember[0]?.scores.length ?? 0;
    const total = new Array<number>(n).fill(0);
    members.forEach((m, k) => {
      const z = normaliseGroup(perMember[k].scores, normalise);
      for (let i = 0; i < n; i++) total[i] += m.weight * z[i];
    });
    return { scores: total };
  };
  const scoreBatch = async (groups: RankGroup[]): Promise<RankResult[]> => {
    const all = await memberScores(members, groups);
    return groups.map((_, g) => combine(members.map((_, k) => all[k][g])));
  };
  const ranker: Ranker = {
    id: `ensemble(${normalise}):[${memberIds(members)}]`,
    pointwise: normalise === "none" && members.every((m) => m.ranker.pointwise),
    async score(prompt, candidates) {
      const [r] = await scoreBatch([{ prompt, candidates }]);
      return r;
    },
    scoreBatch,
    async close() {
      await Promise.all(members.map((m) => m.ranker.close?.()));
    },
  };
  return ranker;
}

export interface LabelModelRanker extends Ranker {
  /** accuracies estimated on the last batch, one per member (undefined before the first batch) */
  readonly accuracies: number[] | undefined;
}

/**
 * Each member votes on every candidate pair (i, j) of a group: +1 if it scores i above j, −1 below,
 * abstain on ties. EM estimates member accuracies over the whole batch; a candidate's score is the
 * mean posterior probability that it beats each other candidate; matrix holds the posterior log-odds.
 * Weights are ignored (the label model sets them); fit on large batches via scoreBatch.
 */
export function labelModelEnsemble(members: EnsembleMember[]): LabelModelRanker {
  let accuracies: number[] | undefined;
  const scoreBatch = async (groups: RankGroup[]): Promise<RankResult[]> => {
    const all = await memberScores(members, groups);
    const pairs: Array<{ g: number; i: number; j: number }> = [];
    groups.forEach((grp, g) => {
      for (let i = 0; i < grp.candidates.length; i++)
        for (let j = i + 1; j < grp.candidates.length; j++) pairs.push({ g, i, j });
    });
    const votes = members.map((_, k) => {
      const row = new Int8Array(pairs.length);
      pairs.forEach((p, t) => {
        const s = all[k][p.g].scores;
        row[t] = Math.sign(s[p.i] - s[p.j]);
      });
      return row;
    });
    const fit = fitLabelModel(votes, { fixedPrior: 0.5 });
    accuracies = fit.accuracies;
    const scores = groups.map((grp) => new Array<number>(grp.candidates.length).fill(0));
    const matrices = groups.map((grp) =>
      grp.candidates.map(() => new Array<number>(grp.candidates.length).fill(0)),
    );
    pairs.forEach((p, t) => {
      const q = fit.posteriors[t];
      const lo = Math.log(Math.max(q, 1e-12) / Math.max(1 - q, 1e-12));
      matrices[p.g][p.i][p.j] = lo;
      matrices[p.g][p.j][p.i] = -lo;
      scores[p.g][p.i] += q;
      scores[p.g][p.j] += 1 - q;
    });
    return scores.map((sc, g) => ({
      scores: sc.map((v) => (sc.length > 1 ? v / (sc.length - 1) : 0.5)),
      matrix: matrices[g],
    }));
  };
  const ranker: LabelModelRanker = {
    id: `label-model:[${members.map((m) => m.ranker.id).join(";")}]`,
    get accuracies() {
      return accuracies;
    },
    async score(prompt, candidates) {
      const [r] = await scoreBatch([{ prompt, candidates }]);
      return r;
    },
    scoreBatch,
    async close() {
      await Promise.all(members.map((m) => m.ranker.close?.()));
    },
  };
  return ranker;
}
