// An offline pairwise judge from any prefloop Ranker (PairRM, a reward model, a programmatic scorer):
// P(second better) = σ of the ranker's margin (pairwise logits when it gives them, else the score
// difference), written in alpaca_eval's convention 1 + P. Not a calibrated replacement for GPT-4.
import type { Ranker } from "../../reward/index.js";
import type { PairJudge, PairVerdict } from "./types.js";

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export class RankerJudge implements PairJudge {
  readonly id: string;

  constructor(private readonly ranker: Ranker) {
    this.id = `ranker:${ranker.id}`;
  }

  async judge(instruction: string, first: string, second: string): Promise<PairVerdict> {
    const r = await this.ranker.score(instruction, [first, second]);
    const m = r.matrix;
    const margin =
      m !== undefined && m[1]?.[0] !== undefined && m[0]?.[1] !== undefined
        ? (m[1][0] - m[0][1]) / 2
        : (r.scores[1] ?? 0) - (r.scores[0] ?? 0);
    return { preference: 1 + sigmoid(margin), raw: { scores: r.scores, matrix: m ?? null }, price: 0 };
  }
}
