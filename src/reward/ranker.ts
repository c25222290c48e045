// The Ranker interface: every scorer (PairRM, classifier RMs, LLM judges, programmatic scorers,
// ensembles) turns one prompt and its candidates into scores, higher is better.

export interface RankResult {
  /** one score per candidate, higher is better */
  scores: number[];
  /** pairwise logits M[i][j] (i preferred over j) when the ranker is pairwise */
  matrix?: number[][];
}

export interface RankGroup {
  prompt: string;
  candidates: string[];
}

export interface Ranker {
  /** stable id: the cache key's first part, recorded in scores.jsonl and manifests */
  readonly id: string;
  /**
   * true when a candidate's score does not depend on the other candidates of its group
   * (programmatic scorers, pointwise judges): the cache may then key by candidate alone.
   * Absent or false: the cache keys by the whole group (PairRM, tournaments, normalised ensembles).
   */
  readonly pointwise?: boolean;
  score(prompt: string, candidates: string[]): Promise<RankResult>;
  /**
   * Scores many groups at once; rankers that learn from the whole batch (the label-model ensemble,
   * length-regressed residuals) or batch their forward passes implement it. scoreGroups() uses it when present.
   */
  scoreBatch?(groups: RankGroup[]): Promise<RankResult[]>;
  close?(): Promise<void>;
}
