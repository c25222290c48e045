// Scale-out: external engines behind the loop's seams (TRL / alignment-handbook, hosted DPO, vLLM).
export { type CheckedModel, checkTrainedModel, folderShapes, safetensorsShapes } from "./check-model.js";
export { fillTemplate, type JobResult, runJob } from "./launch.js";
export {
  accelerateConfig,
  launchScript,
  shellQuote,
  type TrlFiles,
  type TrlJob,
  trlRecipe,
  trlRecipeYaml,
  writeTrlFiles,
} from "./trl-files.js";
export { parseMetricLine, parseStepCounter, readLogHistory } from "./trl-logs.js";
export { DEFAULT_TRL_COMMAND, exportTrl, metricsFrom, type TrlExport, trlTrainer } from "./trl-trainer.js";
export { openEngineGenerator, remoteGeneratorOptions } from "./remote.js";
export { dpoLine, openaiTrainer } from "./openai-trainer.js";
export { exportTrlForRun } from "./export-run.js";
