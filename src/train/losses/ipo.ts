// IPO (Azar et al. 2023, eq. 17) in TRL's length-normalised form: log-ratios divided by each
// response's token count (clamped to >= 1), L = (Δ_avg - 1/(2β))². TRL: loss_type="ipo".

import { meanTerm, requireRef } from "./math.js";
import type { LossFn } from "./types.js";

export const ipoLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "ipo");
  const rr = requireRef(x.refRejected, "ipo");
  const n = x.policyChosen.length;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const nc = Math.max(1, x.chosenTokens[i]);
    const nr = Math.max(1, x.rejectedTokens[i]);
    const a = (x.policyChosen[i] - rc[i]) / nc - (x.policyRejected[i] - rr[i]) / nr;
    const e = a - 1 / (2 * h.beta);
    losses[i] = e * e;
    dC[i] = (2 * e) / nc;
    dR[i] = (-2 * e) / nr;
  }
  return meanTerm(losses, dC, dR);
};
