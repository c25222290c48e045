// Token cross-entropy on the Backend, built on logSoftmaxGather: mean of -log p(target) over rows whose
// target is >= 0 (torch's ignore_index, any negative value here). lse [N] is scratch kept for backward.
import type { Backend } from "../backend.js";

function counted(targets: Int32Array, N: number): number {
  let c = 0;
  for (let i = 0; i < N; i++) if (targets[i] >= 0) c++;
  return c;
}

/** Returns the mean loss; logp [N] and lse [N] are caller-owned scratch. */
export function crossEntropyForward(
  be: Backend,
  logp: Float32Array,
  lse: Float32Array,
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
): number {
  be.logSoftmaxGatherForward(logp, lse, logits, targets, N, V);
  const count = counted(targets, N);
  let s = 0;
  for (let i = 0; i < N; i++) s -= logp[i];
  return count === 0 ? 0 : s / count;
}

/** dlogits += dloss * d(mean CE)/dlogits; dlogp [N] is caller-owned scratch. */
export function crossEntropyBackward(
  be: Backend,
  dlogits: Float32Array,
  dlogp: Float32Array,
  logits: Float32Array,
  lse: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  dloss: number,
): void {
  const count = counted(targets, N);
  dlogp.fill(count === 0 ? 0 : -dloss / count, 0, N);
  be.logSoftmaxGatherBackward(dlogits, dlogp, logits, lse, targets, N, V);
}
