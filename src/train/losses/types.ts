// Shared shapes of the preference losses: per-pair sequence log-probs in, per-pair losses and exact
// gradients out. Not a trainer: these are pure functions over N pairs (float64 math throughout).
// Follows TRL's DPOTrainer._compute_loss (huggingface/trl, trl/trainer/dpo_trainer.py).

/** Inputs for N preference pairs. Arrays are indexed by pair. */
export interface PairLogps {
  /** policy log-prob of each chosen response, summed over its tokens (LD-DPO weighted when ld_alpha is set) */
  policyChosen: Float64Array;
  policyRejected: Float64Array;
  /** reference log-probs, same convention; null for reference-free losses (SimPO, SFT) */
  refChosen: Float64Array | null;
  refRejected: Float64Array | null;
  /** number of response tokens (length-normalised losses: IPO, SimPO) */
  chosenTokens: Float64Array;
  rejectedTokens: Float64Array;
  /** plain (never LD-weighted) summed chosen log-probs, the SFT/NLL term's input; defaults to policyChosen */
  policyChosenRaw?: Float64Array;
}

/** Hyper-parameters read by the loss functions (TRL names on the wire). */
export interface LossHyper {
  beta: number;
  /** cDPO / robust DPO label smoothing, in [0, 0.5) */
  labelSmoothing: number;
  /** SimPO target margin */
  simpoGamma: number;
}

/**
 * One loss term over the batch. `loss` is the term's scalar (mean over pairs, as TRL), `losses` the
 * per-pair values, and the d* arrays d(loss)/d(input) of the SCALAR term w.r.t. each pair's input.
 */
export interface LossTerm {
  loss: number;
  losses: Float64Array;
  dChosen: Float64Array;
  dRejected: Float64Array;
  /** gradient w.r.t. policyChosenRaw (SFT only) */
  dChosenRaw?: Float64Array;
}

export type LossFn = (x: PairLogps, h: LossHyper) => LossTerm;
