// The seams of the loop: small interfaces the controller is coded against. Real implementations (local
// engine, remote/vLLM generator, PairRM and scorer rankers, the DPO trainer, TRL/OpenAI trainers, the data
// layer's prompt sources) are plugged in through `Components` (see wiring.ts); tests plug in fakes.
import type { Recipe, TrainConfig } from "../config/index.js";
import type { Generator } from "../generate/generator.js";
import type { Ranker } from "../reward/ranker.js";
import type { ChatMessage } from "../util/types.js";

/** One prompt of the run, as prompts.jsonl stores it (the same shape as src/data's PromptRecord). */
export interface PromptRecord {
  /** sha256 of the normalised prompt text (the data layer computes it) */
  prompt_id: string;
  /** the normalised user turn (what rankers see, and the raw text for chat_template: raw) */
  prompt: string;
  /** the conversation up to and including the user turn (what chat templates see) */
  messages: ChatMessage[];
  /** where it came from (file and row), for people */
  source: string;
}

/** The disjoint split the data layer produces: K training parts and K held-out parts, in a seeded order. */
export interface PromptSplit {
  /** train[k-1] = prompts of iteration k */
  train: PromptRecord[][];
  /** test[k-1] = held-out prompts of iteration k (never trained on) */
  test: PromptRecord[][];
}

/** A preference row (DESIGN.md; Snorkel / alignment-handbook columns). */
export interface PreferenceRow {
  prompt_id: string;
  prompt: string;
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  messages: ChatMessage[];
  score_chosen: number;
  score_rejected: number;
  all_generated_responses: string[];
  all_rm_scores: number[];
}

export interface TrainerSettings extends TrainConfig {
  seed: number;
  threads: number;
  /** iteration number (1-based), for logs and external job names */
  iteration: number;
  /** `<outDir>/checkpoints`: where the trainer keeps resumable checkpoints (survives kills; dropped when done) */
  checkpointDir: string;
  /** reference log-probs computed by the ref-logps stage, when the trainer produced them */
  referenceLogpsPath: string | null;
}

/** TRL metric names where TRL has one; null when the trainer cannot tell. */
export interface TrainMetrics {
  train_loss: number | null;
  reward_accuracy: number | null;
  steps?: number;
  [metric: string]: number | null | undefined;
}

export interface Trainer {
  readonly id: string;
  /**
   * Optional: reference log-probs of every row under `refModelPath`, written to `outPath` (the cache beside
   * the dataset). Trainers that compute them internally (TRL, hosted APIs) leave this out.
   */
  computeReferenceLogps?(
    rows: PreferenceRow[],
    refModelPath: string,
    outPath: string,
    settings: TrainerSettings,
  ): Promise<void>;
  /**
   * DPO on `rows` starting from `startModelPath` against `refModelPath`; writes an HF-layout model folder
   * into `outDir` (a temporary folder the controller renames into place when this resolves).
   * External trainers may return a model id instead of a folder by writing `outDir/model_ref.json`.
   */
  train(
    rows: PreferenceRow[],
    startModelPath: string,
    refModelPath: string,
    outDir: string,
    settings: TrainerSettings,
  ): Promise<TrainMetrics>;
  close?(): Promise<void>;
}

/** Everything the loop needs from the other layers, created from the recipe. */
export interface Components {
  /** the prompt split (read once; the prompts stage records it in the run directory) */
  prompts(recipe: Recipe): Promise<PromptSplit>;
  /** a generator sampling from `modelPath` (the base model or an iterate's folder) */
  generator(recipe: Recipe, modelPath: string): Promise<Generator>;
  /** the training reward */
  ranker(recipe: Recipe): Promise<Ranker>;
  /** the held-out judge (recipe.eval.judge, or the training ranker when null) */
  judge(recipe: Recipe): Promise<Ranker>;
  trainer(recipe: Recipe): Promise<Trainer>;
  /** optional: write iteration k's dataset (Parquet + JSONL splits, card) into `dir` (the data layer's export) */
  exportDataset?(iteration: number, rows: PreferenceRow[], dir: string): Promise<void>;
  /** optional: write report.html for the finished run (the report layer) */
  report?(runDir: string): Promise<void>;
}
