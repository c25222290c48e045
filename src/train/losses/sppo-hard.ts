// SPPO with hard probabilities (Wu et al. 2024, eq. 4.7 with P=1 for the winner, 0 for the loser):
//   L = (log-ratio_c - 1/(2β))² + (log-ratio_r + 1/(2β))².  TRL: loss_type="sppo_hard".

import { meanTerm, requireRef } from "./math.js";
import type { LossFn } from "./types.js";

export const sppoHardLoss: LossFn = (x, h) => {
  const rc = requireRef(x.refChosen, "sppo_hard");
  const rr = requireRef(x.refRejected, "sppo_hard");
  const n = x.policyChosen.length;
  const half = 0.5 / h.beta;
  const losses = new Float64Array(n);
  const dC = new Float64Array(n);
  const dR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ec = x.policyChosen[i] - rc[i] - half;
    const er = x.policyRejected[i] - rr[i] + half;
    losses[i] = ec * ec + er * er;
    dC[i] = 2 * ec;
    dR[i] = 2 * er;
  }
  return meanTerm(losses, dC, dR);
};
