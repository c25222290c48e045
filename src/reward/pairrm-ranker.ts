// PairRM behind the Ranker interface: `full` builds the N×N logit matrix (both orders) and scores by
// llm-blender's max_logits; `bubble` makes one seeded bubble pass (2(N−1) comparisons) for best-of-N, scoring
// candidates by their final position (the best scores N−1; the others' order is only partial).
// Not the model (pairrm.ts). Upstream: blender.py rank() and get_best_of_n(pairrm_cmp_type).
import { resolve } from "node:path";
import type { Backend } from "../engine/index.js";
import { PairRM } from "./pairrm.js";
import { bubbleBest, scoresFromMatrix } from "./pairrm-aggregate.js";
import type { PairrmBudget } from "./pairrm-input.js";
import type { RankResult, Ranker } from "./ranker.js";

export interface PairrmRankerOptions {
  path: string;
  mode?: "full" | "bubble";
  seed?: number;
  backend?: Backend;
  budget?: PairrmBudget;
}

export async function pairrmRanker(opts: PairrmRankerOptions): Promise<Ranker> {
  const model = await PairRM.load(opts.path, { backend: opts.backend, budget: opts.budget });
  return pairrmRankerOf(model, opts);
}

export function pairrmRankerOf(model: PairRM, opts: PairrmRankerOptions): Ranker {
  const mode = opts.mode ?? "full";
  const seed = opts.seed ?? 0;
  const id = `pairrm:${resolve(opts.path)}:${mode}${mode === "bubble" ? `:${seed}` : ""}`;
  return {
    id,
    pointwise: false,
    async score(prompt: string, candidates: string[]): Promise<RankResult> {
      const n = candidates.length;
      if (n <= 1) return { scores: candidates.map(() => 0), matrix: n ? [[0]] : [] };
      if (mode === "full") {
        const matrix = model.matrix(prompt, candidates);
        return { scores: scoresFromMatrix(matrix), matrix };
      }
      const { order } = await bubbleBest(n, seed, async (a, b) =>
        model.compare(prompt, candidates[a], candidates[b]),
      );
      const scores = new Array<number>(n);
      order.forEach((c, pos) => {
        scores[c] = pos;
      });
      return { scores };
    },
  };
}
