// Public interface of src/rm: reward models (scalar or pairwise head on a Llama-family trunk, or PairRM itself),
// their losses, training and evaluation.
export {
  type PairExample,
  type PairwiseExample,
  type PointExample,
  lastPositions,
  padBatch,
  pairwiseIds,
  sequenceIds,
} from "./encode.js";
export {
  btLoss,
  type BtOptions,
  type LossResult,
  pairwiseLoss,
  type PointwiseKind,
  pointwiseLoss,
} from "./losses.js";
export {
  type LoadRmOptions,
  loadRewardModel,
  RewardModel,
  type RmHead,
  randomRewardModel,
  trunkOf,
} from "./model.js";
export { type UnlabelledPair, type WeakLabels, weakLabels } from "./weak.js";
export { parseRmSettings, type RmSettings, type RmSettingsInput, rmSettingsSchema } from "./settings.js";
export {
  type BuildPairrmDataOptions,
  buildPairrmData,
  type PairrmExample,
  pairrmExamples,
} from "./pairrm-data.js";
export { isPairrmFolder, PairrmRewardModel } from "./pairrm-model.js";
export {
  evaluateRm,
  type RmData,
  type RmProgress,
  rmMicroBatch,
  type TrainRmOptions,
  type TrainableRm,
  type TrainRmResult,
  trainRewardModel,
} from "./trainer.js";
export {
  type BuildDataOptions,
  buildRmData,
  type PairText,
  pairsOfRows,
  pairTexts,
  promptOf,
  type RawRow,
  readRows,
  rowKind,
  splitRows,
  textOf,
} from "./data.js";
export {
  type CalibrationBin,
  type LengthStratum,
  pairScores,
  type RmEvalReport,
  rmEvalReport,
} from "./eval.js";
export { reliabilitySpec, renderSvg } from "./eval-chart.js";
export { rewardModelRanker } from "./ranker.js";
