// From per-token log-probs of a collated batch (rows [chosen_0..chosen_{N-1}, rejected_0..]) to the
// preference objective and d(loss)/d(token log-probs), the seam between the losses and the model's
// backward. Reference log-probs come in as per-row (shared, total) sums so one cache serves any ld_alpha.
import type { LossType, PreferenceObjective } from "./losses/combine.js";
import { preferenceObjective } from "./losses/combine.js";
import { ldTokenWeights, tokenGradients, weightedRowSums } from "./losses/ld-dpo.js";
import type { LossHyper } from "./losses/types.js";

/** Reference log-probs of 2N rows: `total` = Σ response-token logp, `shared` = the part over the first min(|c|,|r|) tokens. */
export interface RefRowLogps {
  total: Float64Array;
  shared: Float64Array;
}

export interface ObjectiveSettings extends LossHyper {
  lossTypes: LossType[];
  lossWeights: number[] | null;
  ldAlpha: number | null;
}

export interface BatchObjective extends PreferenceObjective {
  /** d(loss)/d(tokenLogps) [2N, T-1], already multiplied by `gradScale` */
  dTokenLogps: Float32Array;
  chosenTokens: Float64Array;
  rejectedTokens: Float64Array;
}

/** Row sums a reference model contributes: plain total and the LD-DPO shared part. */
export function refRowLogps(
  tokenLogps: Float32Array,
  lossMask: Uint8Array,
  n: number,
  tm1: number,
): RefRowLogps {
  const ones = ldTokenWeights(lossMask, n, tm1, null);
  const sharedOnly = ldTokenWeights(lossMask, n, tm1, 0);
  return {
    total: weightedRowSums(tokenLogps, ones, 2 * n, tm1),
    shared: weightedRowSums(tokenLogps, sharedOnly, 2 * n, tm1),
  };
}

/** shared + α·(total - shared), or the total when ld_alpha is null. */
function ldCombine(ref: RefRowLogps, ldAlpha: number | null): Float64Array {
  const out = new Float64Array(ref.total.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = ldAlpha === null ? ref.total[i] : ref.shared[i] + ldAlpha * (ref.total[i] - ref.shared[i]);
  }
  return out;
}

/**
 * The objective of one micro-batch. `gradScale` multiplies the token gradients (1/gradient_accumulation_steps).
 * `ref` may be null only when every loss type is reference-free.
 */
export function batchObjective(
  tokenLogps: Float32Array,
  lossMask: Uint8Array,
  n: number,
  tm1: number,
  ref: RefRowLogps | null,
  s: ObjectiveSettings,
  gradScale = 1,
): BatchObjective {
  const w = ldTokenWeights(lossMask, n, tm1, s.ldAlpha);
  const ones = ldTokenWeights(lossMask, n, tm1, null);
  const pol = weightedRowSums(tokenLogps, w, 2 * n, tm1);
  const raw = weightedRowSums(tokenLogps, ones, 2 * n, tm1);
  const lens = new Float64Array(2 * n);
  for (let r = 0; r < 2 * n; r++) {
    let c = 0;
    for (let t = 0; t < tm1; t++) c += lossMask[r * tm1 + t];
    lens[r] = c;
  }
  const refAll = ref === null ? null : ldCombine(ref, s.ldAlpha);
  const chosenTokens = lens.slice(0, n);
  const rejectedTokens = lens.slice(n);
  const obj = preferenceObjective(
    {
      policyChosen: pol.slice(0, n),
      policyRejected: pol.slice(n),
      refChosen: refAll ? refAll.slice(0, n) : null,
      refRejected: refAll ? refAll.slice(n) : null,
      chosenTokens,
      rejectedTokens,
      policyChosenRaw: raw.slice(0, n),
    },
    s.lossTypes,
    s.lossWeights,
    s,
  );
  const dW = new Float64Array(2 * n);
  const dRaw = new Float64Array(2 * n);
  dW.set(obj.dChosen, 0);
  dW.set(obj.dRejected, n);
  dRaw.set(obj.dChosenRaw, 0);
  const dTokenLogps = tokenGradients(dW, dRaw, w, lossMask, 2 * n, tm1, gradScale);
  return { ...obj, dTokenLogps, chosenTokens, rejectedTokens };
}
