// Public interface of src/train: preference losses, objective, optimiser, LoRA, collation and the DPO trainer.

export {
  findLatestCheckpoint,
  type ResumePoint,
  restoreCheckpoint,
  resumeTraining,
  saveCheckpoint,
  sha256,
  writeFileAtomic,
} from "./checkpoint.js";
export type {
  ChatTemplateLike,
  PairBatch,
  PreferenceRow,
  TokenizedPair,
  TruncationSettings,
} from "./collate.js";
export { collatePairs, tokenizePair, truncatePair } from "./collate.js";
export { checkTrainRow, readTrainDataset, readTrainFile } from "./dataset-files.js";
export type { LossType, PreferenceObjective } from "./losses/combine.js";
export {
  checkLossTypes,
  lossFunctions,
  lossTypes,
  preferenceObjective,
  referenceFreeLosses,
  rewardMetrics,
} from "./losses/combine.js";
export { ldTokenWeights, tokenGradients, weightedRowSums } from "./losses/ld-dpo.js";
export type { LossFn, LossHyper, LossTerm, PairLogps } from "./losses/types.js";
export type { BatchObjective, ObjectiveSettings, RefRowLogps } from "./objective.js";
export { batchObjective, refRowLogps } from "./objective.js";
export type { AdamwKernel, AdamwSettings } from "./optim/adamw.js";
export { AdamW, adamwTs, decays } from "./optim/adamw.js";
export { clipGradNorm, globalGradNorm } from "./optim/clip.js";
export type { LoraSettings } from "./optim/lora.js";
export { isLoraTarget, LoraAdapter } from "./optim/lora.js";
export type { ScheduleKind } from "./optim/schedule.js";
export { learningRate, lrLambda, warmupSteps } from "./optim/schedule.js";
export type { RefPairLogps } from "./ref-cache.js";
export { computeRefLogps, readRefCache, writeRefCache } from "./ref-cache.js";
export { epochOrder, Rng } from "./rng.js";
export type { DpoSettings, DpoSettingsInput } from "./settings.js";
export {
  checkDpoSettings,
  dpoSettingsSchema,
  dpoSettingsShape,
  parseDpoSettings,
  parseSetFlags,
  smallModelDefaults,
} from "./settings.js";
export type { TrainDpoOptions, TrainDpoResult, TrainProgress } from "./trainer.js";
export { NumericError, progressLine, trainDpo } from "./trainer.js";
