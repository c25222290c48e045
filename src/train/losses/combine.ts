// The preference objective as TRL builds it: a weighted sum over a `loss_type` list
// (loss = Σ_k w_k · mean_i L_k,i), its gradient w.r.t. each pair's policy log-probs, and TRL's
// metrics (rewards/*, logps/*). Not the per-token part: see ld-dpo.ts for how sequence gradients
// become per-token gradients.
import { ConfigError } from "../../util/errors.js";
import { apoZeroLoss } from "./apo-zero.js";
import { hingeLoss } from "./hinge.js";
import { ipoLoss } from "./ipo.js";
import { robustLoss } from "./robust.js";
import { sftLoss } from "./sft.js";
import { sigmoidLoss } from "./sigmoid.js";
import { simpoLoss } from "./simpo.js";
import { sppoHardLoss } from "./sppo-hard.js";
import type { LossFn, LossHyper, PairLogps } from "./types.js";

export const lossFunctions = {
  sigmoid: sigmoidLoss,
  ipo: ipoLoss,
  hinge: hingeLoss,
  robust: robustLoss,
  sppo_hard: sppoHardLoss,
  apo_zero: apoZeroLoss,
  simpo: simpoLoss,
  sft: sftLoss,
} satisfies Record<string, LossFn>;

export type LossType = keyof typeof lossFunctions;
export const lossTypes = Object.keys(lossFunctions) as LossType[];

/** Loss types that need no reference model. */
export const referenceFreeLosses: ReadonlySet<LossType> = new Set<LossType>(["simpo", "sft"]);

export interface PreferenceObjective {
  /** total scalar loss */
  loss: number;
  /** per-pair weighted loss Σ_k w_k L_k,i (its mean is `loss`) */
  losses: Float64Array;
  /** d(loss)/d(policyChosen[i]), d(loss)/d(policyRejected[i]), d(loss)/d(policyChosenRaw[i]) */
  dChosen: Float64Array;
  dRejected: Float64Array;
  dChosenRaw: Float64Array;
  /** TRL metric names, means over the pairs */
  metrics: Record<string, number>;
  /** per-pair implicit rewards (for accumulating metrics over micro-batches) */
  chosenRewards: Float64Array;
  rejectedRewards: Float64Array;
}

export function checkLossTypes(types: string[], weights: number[] | null): LossType[] {
  if (types.length === 0) throw new ConfigError("loss_type: expected at least one loss type");
  for (const t of types) {
    if (!(t in lossFunctions)) {
      throw new ConfigError(`loss_type: unknown loss '${t}'`, { hint: `one of ${lossTypes.join(", ")}` });
    }
  }
  if (weights !== null && weights.length !== types.length) {
    throw new ConfigError(
      `loss_weights: expected ${types.length} weights (one per loss_type), got ${weights.length}`,
    );
  }
  return types as LossType[];
}

/** The combined objective over N pairs; `weights` null means 1 for every loss type. */
export function preferenceObjective(
  x: PairLogps,
  types: LossType[],
  weights: number[] | null,
  h: LossHyper,
): PreferenceObjective {
  const n = x.policyChosen.length;
  const losses = new Float64Array(n);
  const dChosen = new Float64Array(n);
  const dRejected = new Float64Array(n);
  const dChosenRaw = new Float64Array(n);
  let loss = 0;
  types.forEach((t, k) => {
    const w = weights === null ? 1 : weights[k];
    const term = lossFunctions[t](x, h);
    loss += w * term.loss;
    for (let i = 0; i < n; i++) {
      losses[i] += w * term.losses[i];
      dChosen[i] += w * term.dChosen[i];
      dRejected[i] += w * term.dRejected[i];
      if (term.dChosenRaw) dChosenRaw[i] += w * term.dChosenRaw[i];
    }
  });
  // SimPO without a reference-based term logs reference-free rewards, as TRL's CPOTrainer does
  const refFree = types.includes("simpo") && types.every((t) => referenceFreeLosses.has(t));
  const { chosenRewards, rejectedRewards, metrics } = rewardMetrics(x, h.beta, refFree);
  return { loss, losses, dChosen, dRejected, dChosenRaw, metrics, chosenRewards, rejectedRewards };
}

/**
 * TRL's implicit rewards β·(π - ref) and their summaries. Without a reference (SimPO) the rewards are
 * β·(length-averaged policy log-prob), as TRL's CPOTrainer logs them.
 */
export function rewardMetrics(x: PairLogps, beta: number, referenceFree = false) {
  const n = x.policyChosen.length;
  const chosenRewards = new Float64Array(n);
  const rejectedRewards = new Float64Array(n);
  let acc = 0;
  let margin = 0;
  let rc = 0;
  let rr = 0;
  let lc = 0;
  let lr = 0;
  for (let i = 0; i < n; i++) {
    if (x.refChosen && x.refRejected && !referenceFree) {
      chosenRewards[i] = beta * (x.policyChosen[i] - x.refChosen[i]);
      rejectedRewards[i] = beta * (x.policyRejected[i] - x.refRejected[i]);
    } else {
      chosenRewards[i] = (beta * x.policyChosen[i]) / Math.max(1, x.chosenTokens[i]);
      rejectedRewards[i] = (beta * x.policyRejected[i]) / Math.max(1, x.rejectedTokens[i]);
    }
    rc += chosenRewards[i];
    rr += rejectedRewards[i];
    acc += chosenRewards[i] > rejectedRewards[i] ? 1 : 0;
    margin += chosenRewards[i] - rejectedRewards[i];
    lc += x.policyChosen[i];
    lr += x.policyRejected[i];
  }
  const d = Math.max(1, n);
  const metrics: Record<string, number> = {
    "rewards/chosen": rc / d,
    "rewards/rejected": rr / d,
    "rewards/accuracies": acc / d,
    "rewards/margins": margin / d,
    "logps/chosen": lc / d,
    "logps/rejected": lr / d,
  };
  return { chosenRewards, rejectedRewards, metrics };
}
