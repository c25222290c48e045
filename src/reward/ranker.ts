// The Ranker interface: every scorer (PairRM, classifier RMs, LLM judges, programmatic scorers,
// ensembles) turns one prompt and its candidates into scores, higher is better.

export interface RankResult {
  /** one score per candidate, higher is better */
  scores: number[];
  /** pairwise logits M[i][j] (i preferred over j) when the ranker is pairwise */
  matrix?: number[][];
}

export interface Ranker {
  /** stable id: the cache key's first part, recorded in scores.jsonl and manifests */
  readonly id: string;
  score(prompt: string, candidates: string[]): Promise<RankResult>;
  close?(): Promise<void>;
}
