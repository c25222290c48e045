// Public surface of the engine: the Backend interface, backend selection, helpers built on a Backend
// (linear, losses, rope tables, a reference Llama block), memory (Arena, Checkpointer) and the benchmark.
export type {
  AttentionGrads,
  AttentionParams,
  Backend,
  DecodeAttentionParams,
  MatmulParams,
  RopeLayout,
} from "./backend.js";
export {
  type BackendChoice,
  getBackend,
  getNativeBackend,
  getTsBackend,
  nativeStatus,
  setBackendPreference,
} from "./select.js";
export { formatShape, numel, Tensor } from "./tensor.js";
export { linearBackward, linearForward } from "./ops/linear.js";
export { crossEntropyBackward, crossEntropyForward } from "./ops/loss.js";
export { type MatmulGrads, matmulBackward } from "./ops/matmul-grad.js";
export { Arena } from "./arena.js";
export { type CheckpointBlock, Checkpointer } from "./checkpoint.js";
export {
  LlamaBlock,
  type LlamaBlockDims,
  type LlamaBlockInputs,
  type LlamaBlockWeights,
} from "./ops/llama-block.js";
export {
  type BenchRow,
  type EngineBenchOptions,
  type EngineBenchResult,
  formatEngineBench,
  runEngineBench,
} from "./bench/engine-bench.js";
export { type Llama3RopeScaling, ropeInvFreq, ropeTables } from "./ops/rope-tables.js";
