// Hinge loss (SLiC, Zhao et al. 2023): L = relu(1 - β·Δ). TRL: loss_type="hinge".
// Subgradient 0 at the kink, as torch.relu.

import { meanTerm, requireRef } from "./math.js";
import type { LossFn } from "./types.js";

export const hingeLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "hinge");
  const rr = requireRef(x.refRejected, "hinge");
  const n = x.policyChosen.length;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = h.beta * (x.policyChosen[i] - rc[i] - (x.policyRejected[i] - rr[i]));
    const m = 1 - z;
    losses[i] = Math.max(m, 0);
    const dz = m > 0 ? -1 : 0;
    dC[i] = h.beta * dz;
    dR[i] = -h.beta * dz;
  }
  return meanTerm(losses, dC, dR);
};
