// The eval layer's public surface: AlpacaEval-compatible metrics, the length-controlled GLM, judges,
// generation of model outputs and leaderboards.
export {
  type Annotation,
  type AnnotationFile,
  checkAligned,
  parseAnnotations,
  readAnnotations,
  textLength,
} from "./annotations.js";
export { type AnnotateOptions, type AnnotateStats, annotatePairs, matchOutputs } from "./annotate.js";
export { leaderboardChartSpec, renderChartSvg } from "./chart.js";
export { type DifficultyEstimate, type DifficultyModel, estimateDifficulty } from "./difficulty.js";
export { readDifficulty, writeDifficulty } from "./difficulty-file.js";
export {
  defaultEvalSampling,
  generateModelOutputs,
  type InstructionRow,
  readInstructions,
} from "./generate.js";
export {
  defaultCs,
  fitGlmCv,
  type GlmFit,
  glmColumns,
  glmDesign,
  lcFromCoefficients,
  lengthControlledWinrate,
  type LcResult,
} from "./glm.js";
export { groupKFold, numpyArgsort } from "./group-kfold.js";
export {
  type ModelOutput,
  parseModelOutputs,
  readModelOutputs,
  writeFileAtomic,
  writeJsonAtomic,
} from "./io.js";
export { JudgeCache, judgeCacheKey } from "./judge/cache.js";
export { type HttpStats, OpenAIWeightedJudge, type OpenAIJudgeOptions } from "./judge/openai-judge.js";
export {
  fillTemplate,
  isSwitched,
  logprobPreference,
  promptToChatml,
  weightedJudgeTemplate,
} from "./judge/prompt.js";
export { pythonRandomFromString, pythonSeededChoice } from "./judge/python-random.js";
export { RankerJudge } from "./judge/ranker-judge.js";
export type { PairJudge, PairVerdict } from "./judge/types.js";
export { buildGamedRows, lcForFile, lcForFiles, type LcForFilesOptions, rowsOf } from "./lc.js";
export { type LcCheckReport, type LcCheckRow, lcCheck } from "./lc-check.js";
export { type LcWeights, parseLcWeights, predictWinrate, readLcWeights } from "./lc-weights.js";
export { fitL1Logistic, softLogLoss } from "./logistic-l1.js";
export {
  leaderboardColumns,
  buildLeaderboard,
  findAnnotationFiles,
  leaderboardCsv,
  type LeaderboardRow,
} from "./leaderboard.js";
export { averageLength, computeMetrics, winRateFromPreferences, type WinRateMetrics } from "./metrics.js";
export { OpenAIChatGenerator, type OpenAIGeneratorOptions } from "./openai-generator.js";
export { meanAbsoluteError, spearman } from "./stats.js";
