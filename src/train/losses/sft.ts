// The SFT / NLL term on chosen responses (RPO's alpha term; TRL loss_type="sft"): token-mean
// cross-entropy over every chosen response token of the batch, L = -Σ_i logp_c,i / Σ_i |c_i|.
// Uses the plain (never LD-weighted) chosen log-probs, as TRL computes it from the logits.
import type { LossFn } from "./types.js";

export const sftLoss: LossFn = (x) => {
  const n = x.policyChosen.length;
  const raw = x.policyChosenRaw ?? x.policyChosen;
  let tokens = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    tokens += x.chosenTokens[i];
    sum += raw[i];
  }
  const loss = tokens > 0 ? -sum / tokens : 0;
  const losses = new Float64Array(n).fill(loss);
  const dRaw = new Float64Array(n).fill(tokens > 0 ? -1 / tokens : 0);
  return { loss, losses, dChosen: new Float64Array(n), dRejected: new Float64Array(n), dChosenRaw: dRaw };
};
