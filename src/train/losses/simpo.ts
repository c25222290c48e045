// SimPO (Meng et al. 2024), reference-free: length-averaged policy log-probs and a target margin γ:
//   z = β·(π_c/|c| - π_r/|r| - γ/β),  L = -(1-ε) logσ(z) - ε logσ(-z).
// Follows TRL's CPOTrainer loss_type="simpo" (trl/experimental/cpo/cpo_trainer.py) with cpo_alpha=0.

import { logSigmoid, meanTerm, sigmoid } from "./math.js";
import type { LossFn } from "./types.js";

export const simpoLoss: LossFn = (x, h) => {
  const n = x.policyChosen.length;
  const eps = h.labelSmoothing;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const nc = Math.max(1, x.chosenTokens[i]);
    const nr = Math.max(1, x.rejectedTokens[i]);
    const z = h.beta * (x.policyChosen[i] / nc - x.policyRejected[i] / nr - h.simpoGamma / h.beta);
    losses[i] = -(1 - eps) * logSigmoid(z) - eps * logSigmoid(-z);
    const dz = sigmoid(z) - (1 - eps);
    dC[i] = (h.beta * dz) / nc;
    dR[i] = (-h.beta * dz) / nr;
  }
  return meanTerm(losses, dC, dR);
};
