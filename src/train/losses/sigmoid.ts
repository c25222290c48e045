// DPO's sigmoid loss with optional label smoothing (cDPO, Mitchell 2023):
//   L = -(1-ε) logσ(β·Δ) - ε logσ(-β·Δ),  Δ = (π_c - ref_c) - (π_r - ref_r).
// TRL: loss_type="sigmoid" (label_smoothing as in TRL <= 0.19). Forward and backward side by side.

import { logSigmoid, meanTerm, requireRef, sigmoid } from "./math.js";
import type { LossFn } from "./types.js";

export const sigmoidLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "sigmoid");
  const rr = requireRef(x.refRejected, "sigmoid");
  const n = x.policyChosen.length;
  const eps = h.labelSmoothing;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = h.beta * (x.policyChosen[i] - rc[i] - (x.policyRejected[i] - rr[i]));
    losses[i] = -(1 - eps) * logSigmoid(z) - eps * logSigmoid(-z);
    const dz = sigmoid(z) - (1 - eps); // d/dz of the line above
    dC[i] = h.beta * dz;
    dR[i] = -h.beta * dz;
  }
  return meanTerm(losses, dC, dR);
};
