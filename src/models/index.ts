// Public surface of the model layer: the CausalLM seam, loading and saving checkpoints, the Llama model.
export type { CausalLM, KVCache, LlamaConfig, Parameter, TokenBatch } from "./causal-lm.js";
export { type Checkpoint, parameterShapes, type Tensor } from "./checkpoint.js";
export { type GgufTokenizerMetadata, ggufTokenizerMetadata, readGgufCheckpoint } from "./io/gguf-model.js";
export {
  type GgufEntry,
  type GgufFile,
  type GgufMetadata,
  GgufType,
  type GgufValue,
  readGgufHeader,
  readGgufTensors,
} from "./io/gguf-read.js";
export { ggufTokenizerFromHf } from "./io/gguf-tokenizer.js";
export { type GgufWriteOptions, writeGguf } from "./io/gguf-write.js";
export { configFromHf, configToHf } from "./io/hf-config.js";
export {
  type HfFolder,
  hfTensors,
  loadHfFolder,
  type SaveHfOptions,
  tokenizerFileNames,
} from "./io/hf-folder.js";
export { readSafetensors, type SafetensorsDtype, writeSafetensors } from "./io/safetensors.js";
export { LlamaCache } from "./llama/decode.js";
export { type LlamaOptions, LlamaModel } from "./llama/model.js";
export { inverseFrequencies } from "./llama/rope.js";
export {
  checkpointOf,
  type LoadedModel,
  type LoadOptions,
  loadModel,
  modelFromCheckpoint,
  type SaveGgufOptions,
  saveGguf,
  saveHfFolder,
  type TokenizerSource,
} from "./load.js";
export { type DebertaConfig, debertaConfigFromHf } from "./deberta/config.js";
export { DebertaEncoder, type EncoderOutput, type LayerActs } from "./deberta/encoder.js";
export { type DebertaFolder, debertaV3Large, loadDebertaFolder, loadWeights } from "./deberta/load.js";
export { logBucket, relativeIndexTable } from "./deberta/rel-pos.js";
export { readTorchStateDict, unpickle } from "./io/torch-pickle.js";
export { ZipArchive } from "./io/zip-read.js";
export { type DebertaGrads, debertaBackward } from "./deberta/backward.js";
