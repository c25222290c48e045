// Row types of run-directory files that two layers share: the pipeline writes them, the report reads them
// (and the report must not import the pipeline, which calls it). Types only; the files' documentation is
// src/pipeline/README.md.

/** One row of summary.json (iteration 0 = the base model). */
export interface SummaryRow {
  iteration: number;
  /** mean training reward of held-out answers */
  held_out_reward: number | null;
  /** held-out judge win rate of this iterate over the base model, in [0, 1] (draws count half) */
  judge_win_rate: number | null;
  judge_win_rate_se: number | null;
  mean_length_chars: number | null;
  pairs_kept: number | null;
  train_loss: number | null;
  reward_accuracy: number | null;
  seconds_by_stage: Record<string, number>;
}

/** One line of iter_k/held_out.jsonl: an answer to a held-out prompt, its reward and judge verdict. */
export interface HeldOutRow {
  prompt_id: string;
  response: string;
  length_chars: number;
  reward: number;
  /** judge scores of [this answer, the base answer]; null for the base model itself */
  judge_scores: [number, number] | null;
  /** 1 win, 0.5 draw, 0 loss against the base answer; null for the base model */
  win: number | null;
}
