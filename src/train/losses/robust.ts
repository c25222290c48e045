// Robust DPO (Chowdhury et al. 2024), an unbiased loss under label noise ε:
//   L = (-(1-ε) logσ(β·Δ) + ε logσ(-β·Δ)) / (1 - 2ε).  TRL: loss_type="robust".

import { logSigmoid, meanTerm, requireRef, sigmoid } from "./math.js";
import type { LossFn } from "./types.js";

export const robustLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "robust");
  const rr = requireRef(x.refRejected, "robust");
  const n = x.policyChosen.length;
  const eps = h.labelSmoothing;
  const norm = 1 - 2 * eps;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = h.beta * (x.policyChosen[i] - rc[i] - (x.policyRejected[i] - rr[i]));
    losses[i] = (-(1 - eps) * logSigmoid(z) + eps * logSigmoid(-z)) / norm;
    const s = sigmoid(z);
    const dz = (-(1 - eps) * (1 - s) - eps * s) / norm;
    dC[i] = h.beta * dz;
    dR[i] = -h.beta * dz;
  }
  return meanTerm(losses, dC, dR);
};
