// A trained RewardModel as a Ranker: the sequence head scores each candidate alone (pointwise); the pairwise
// head compares every ordered pair in one sequence each and scores a candidate by its mean logit against the
// others (PairRM's aggregation of the comparison matrix). `classifier:<dir>` serves the same folders (both
// heads) without this module; this one scores a model already in memory.
import { resolve } from "node:path";
import { pairwiseIds, pairwiseScores, type Ranker } from "../reward/index.js";
import { lastPositions, padBatch, sequenceIds } from "./encode.js";
import type { RewardModel } from "./model.js";

export function rewardModelRanker(model: RewardModel, id: string, maxLength = 4096, batchRows = 8): Ranker {
  const pad = model.assets.tokenizer.padId ?? model.assets.tokenizer.eosId ?? 0;
  const scoreRows = (rows: number[][], pos: (b: number, T: number) => number[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += batchRows) {
      const chunk = rows.slice(i, i + batchRows);
      const batch = padBatch(chunk, pad);
      const p = chunk.flatMap((_, b) => pos(i + b, batch.T).map((x) => x + b * batch.T));
      out.push(...model.rewardsAt(batch, Int32Array.from(p), false));
    }
    return out;
  };
  return {
    id: `rm:${resolve(id)}`,
    pointwise: model.head === "sequence",
    async score(prompt, candidates) {
      if (model.head === "sequence") {
        const rows = candidates.map((c) => sequenceIds(model.assets, prompt, c, maxLength));
        return { scores: scoreRows(rows, (i) => [lastPositions([rows[i]], 0)[0]]) };
      }
      const n = candidates.length;
      const idx: [number, number][] = [];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) idx.push([a, b]);
      const enc = idx.map(([a, b]) =>
        pairwiseIds(model.assets, prompt, candidates[a], candidates[b], maxLength),
      );
      const s = scoreRows(
        enc.map((e) => e.ids),
        (i) => [enc[i].left, enc[i].right],
      );
      const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      idx.forEach(([a, b], k) => {
        matrix[a][b] = s[2 * k] - s[2 * k + 1];
      });
      return { scores: pairwiseScores(matrix), matrix };
    },
  };
}
