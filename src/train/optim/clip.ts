// Global-norm gradient clipping like torch.nn.utils.clip_grad_norm_: returns the norm BEFORE clipping
// (what HF logs as grad_norm) and scales every gradient by min(1, max_norm / (norm + 1e-6)).
import type { Parameter } from "../../models/index.js";

export function globalGradNorm(params: Parameter[]): number {
  let s = 0;
  for (const p of params) {
    const g = p.grad;
    if (g === null) continue;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

/** Clip in place; maxNorm <= 0 disables clipping. Returns the pre-clip global norm. */
export function clipGradNorm(params: Parameter[], maxNorm: number): number {
  const norm = globalGradNorm(params);
  if (maxNorm > 0 && Number.isFinite(norm)) {
    const coef = Math.fround(maxNorm / (norm + 1e-6));
    if (coef < 1) {
      for (const p of params) {
        const g = p.grad;
        if (g === null) continue;
        for (let i = 0; i < g.length; i++) g[i] *= coef;
      }
    }
  }
  return norm;
}
