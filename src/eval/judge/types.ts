// The pairwise judge seam: a judge sees one instruction and two outputs in the order presented and
// answers in alpaca_eval's convention (1 = first better, 2 = second better, 1.5 = tie, null = no
// answer). Order switching, draws for identical outputs and caching live in annotate.ts, not here.

export interface PairVerdict {
  preference: number | null;
  /** the judge's raw answer, stored in annotations.json's raw_completion */
  raw?: unknown;
  promptTokens?: number;
  completionTokens?: number;
  /** US dollars */
  price?: number;
}

export interface PairJudge {
  /** stable id: the annotator name in annotations.json and the cache key's first part */
  readonly id: string;
  judge(instruction: string, first: string, second: string): Promise<PairVerdict>;
}
