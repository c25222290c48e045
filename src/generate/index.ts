export type {
  FinishReason,
  GeneratedSample,
  GenerationRequest,
  Generator,
  SamplingSettings,
} from "./generator.js";
export type {
  DecodingModel,
  GenerationProgress,
  LocalGeneratorOptions,
  PreparedPrompt,
} from "./local-generator.js";
export { LocalGenerator } from "./local-generator.js";
export type { LogitsProcessor } from "./logits-processors.js";
export { argmax, logSumExp, minP, processorsFor, temperature, topK, topP } from "./logits-processors.js";
export { promptKey, sampleStream, Xoshiro128 } from "./rng.js";
export type { SampledToken } from "./sampler.js";
export { TokenSampler, validateSampling } from "./sampler.js";
export { completionText, StopCriteria } from "./stopping.js";
export {
  loadModelWithText,
  type ModelWithText,
  type OpenLocalGeneratorOptions,
  openLocalGenerator,
} from "./open.js";
export {
  completedPromptIds,
  type GenerateFileOptions,
  generateFile,
  type PromptLine,
  readPromptsJsonl,
} from "./batch-file.js";
export type { GenerateBenchOptions, GenerateBenchResult, ThroughputRun } from "./bench.js";
export { formatGenerateBench, formatThroughput, runGenerateBench, writeRandomLlamaGguf } from "./bench.js";
export { type LlamaCppBench, runLlamaCppBench } from "./bench-llama-cpp.js";
export {
  openRemoteGenerator,
  parseChoices,
  RemoteGenerator,
  type RemoteGeneratorOptions,
  type RemoteMode,
  samplingBody,
  type TokenUsage,
} from "./remote-generator.js";
export { freePort, type LaunchedServer, type LaunchOptions, launchServer } from "./remote-launch.js";
export {
  defaultRetryPolicy,
  GarbledResponseError,
  isRetryable,
  type RetryPolicy,
  retryAfterMs,
  retryDelayMs,
  withRetries,
} from "./remote-retry.js";
