// APO-zero (D'Oosterlinck et al. 2024, eq. 7): raise chosen, lower rejected likelihood:
//   L = 1 - σ(β·lr_c) + σ(β·lr_r),  lr = policy - reference log-prob.  TRL: loss_type="apo_zero".

import { meanTerm, requireRef, sigmoid } from "./math.js";
import type { LossFn } from "./types.js";

export const apoZeroLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "apo_zero");
  const rr = requireRef(x.refRejected, "apo_zero");
  const n = x.policyChosen.length;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sc = sigmoid(h.beta * (x.policyChosen[i] - rc[i]));
    const sr = sigmoid(h.beta * (x.policyRejected[i] - rr[i]));
    losses[i] = 1 - sc + sr;
    dC[i] = -h.beta * sc * (1 - sc);
    dR[i] = h.beta * sr * (1 - sr);
  }
  return meanTerm(losses, dC, dR);
};
