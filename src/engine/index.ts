// Public surface of the engine: the Backend interface, backend selection, tensors.
export type {
  AttentionGrads,
  AttentionParams,
  Backend,
  MatmulParams,
  RopeLayout,
} from "./backend.js";
export {
  type BackendChoice,
  getBackend,
  getNativeBackend,
  getTsBackend,
  setBackendPreference,
} from "./select.js";
export { formatShape, numel, Tensor } from "./tensor.js";
export { linearBackward, linearForward } from "./ops/linear.js";
export { crossEntropyBackward, crossEntropyForward } from "./ops/loss.js";
export { type MatmulGrads, matmulBackward } from "./ops/matmul-grad.js";
