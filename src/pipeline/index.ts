// The run directory (manifest, lock, atomic and append-only writers, status) and the iteration controller.
export type {
  Components,
  PreferenceRow,
  PromptRecord,
  PromptSplit,
  Trainer,
  TrainerSettings,
  TrainMetrics,
} from "./components.js";
export {
  type LoopOptions,
  runLoop,
  stageIds,
  startModelPath,
  summarize,
  trainedModelPath,
} from "./controller.js";
export {
  type GenerationRow,
  type HeldOutRow,
  heldOutMetrics,
  samplingFor,
  type ScoreRow,
} from "./iteration-stages.js";
export { buildPairs, type PairCounts, pairStrategy, type ScoredGroup } from "./pairs.js";
export { describeRun, formatPlan, planRun, type RunPlan } from "./plan.js";
export { rng, seedFor } from "./seeds.js";
export { runStage } from "./stage.js";
export { defaultComponents } from "./wiring.js";
export { fsyncDir, tempPathFor, writeFileAtomic, writeJsonAtomic } from "./atomic.js";
export { sha256File, sha256Text, sha256Tree } from "./hash.js";
export { JsonlWriter, type JsonlOpenOptions, readJsonl, readJsonlRows } from "./jsonl.js";
export { isStale, type LockInfo, RunLock, readLock } from "./lock.js";
export type { Manifest, StageRecord, StageState } from "./manifest.js";
export { type CreateRunOptions, RunDirectory } from "./run-dir.js";
export { formatStatus, type RunStatus, runStatus } from "./status.js";
export { formatSummaryTable, readSummary, type Summary, type SummaryRow, writeSummary } from "./summary.js";
