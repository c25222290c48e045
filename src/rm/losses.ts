// Reward-model losses with their exact gradients, side by side: Bradley–Terry on (chosen, rejected) rewards
// (optional margin column, TRL RewardTrainer's center_rewards_coefficient term, soft preference labels from a
// label model), pointwise BCE-with-logits (binary or soft labels) and MSE (graded scores), and the pairwise
// (PairRM-style) logit left − right. Follows TRL RewardTrainer.compute_loss; metrics use TRL's names.
// Inputs are rewards; the model layer turns d(loss)/d(rewards) into parameter gradients.

export interface LossResult {
  loss: number;
  /** d(loss)/d(each input reward), same layout as the rewards given */
  dRewards: Float32Array;
  metrics: Record<string, number>;
}

const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export interface BtOptions {
  /** per-pair margin m: loss −log σ(r_c − r_r − m) (TRL's "margin" column) */
  margins?: ArrayLike<number> | null;
  /** soft labels q = P(chosen ≻ rejected): loss −q log σ(d) − (1−q) log σ(−d) */
  soft?: ArrayLike<number> | null;
  /** TRL center_rewards_coefficient c: adds c · mean((r_c + r_r)²) (Eisenstein et al. 2023) */
  centerCoefficient?: number;
  /** scale of the gradient (1 / micro-batches of an accumulated step) */
  gradScale?: number;
}

/** Bradley–Terry loss; `rewards` = [chosen_0..chosen_{n-1}, rejected_0..rejected_{n-1}]. */
export function btLoss(rewards: ArrayLike<number>, o: BtOptions = {}): LossResult {
  const n = rewards.length / 2;
  const g = (o.gradScale ?? 1) / n;
  const c = o.centerCoefficient ?? 0;
  const d = new Float32Array(2 * n);
  let loss = 0;
  let acc = 0;
  let margin = 0;
  let sc = 0;
  let sr = 0;
  for (let i = 0; i < n; i++) {
    const rc = rewards[i];
    const rr = rewards[n + i];
    const diff = rc - rr - (o.margins ? o.margins[i] : 0);
    const q = o.soft ? o.soft[i] : 1;
    loss -= q * logSigmoid(diff) + (1 - q) * logSigmoid(-diff);
    // d/d diff of the above = σ(diff) − q
    const dd = sigmoid(diff) - q;
    let dc = dd * g;
    let dr = -dd * g;
    if (c !== 0) {
      loss += c * (rc + rr) ** 2;
      dc += 2 * c * (rc + rr) * g;
      dr += 2 * c * (rc + rr) * g;
    }
    d[i] = dc;
    d[n + i] = dr;
    // hard accuracy against the label's direction (q > 0.5 for soft labels)
    acc += rc > rr === q > 0.5 ? 1 : 0;
    margin += rc - rr;
    sc += rc;
    sr += rr;
  }
  return {
    loss: loss / n,
    dRewards: d,
    metrics: {
      accuracy: acc / n,
      margin: margin / n,
      "rewards/chosen": sc / n,
      "rewards/rejected": sr / n,
    },
  };
}

export type PointwiseKind = "bce" | "mse";

/** Pointwise loss on one reward per response: BCE with logits on labels in [0, 1], or MSE on graded scores. */
export function pointwiseLoss(
  rewards: ArrayLike<number>,
  labels: ArrayLike<number>,
  kind: PointwiseKind,
  gradScale = 1,
): LossResult {
  const n = rewards.length;
  const g = gradScale / n;
  const d = new Float32Array(n);
  let loss = 0;
  let acc = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const r = rewards[i];
    const y = labels[i];
    if (kind === "bce") {
      loss -= y * logSigmoid(r) + (1 - y) * logSigmoid(-r);
      d[i] = (sigmoid(r) - y) * g;
      acc += r > 0 === y > 0.5 ? 1 : 0;
    } else {
      loss += (r - y) ** 2;
      d[i] = 2 * (r - y) * g;
    }
    mean += r;
  }
  const metrics: Record<string, number> = { "rewards/mean": mean / n };
  if (kind === "bce") metrics.accuracy = acc / n;
  return { loss: loss / n, dRewards: d, metrics };
}

/**
 * Pairwise (PairRM-style) loss: both candidates in one sequence, logit = left − right, BCE with label
 * P(left ≻ right). `scores` = [left_0..left_{n-1}, right_0..right_{n-1}].
 */
export function pairwiseLoss(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  gradScale = 1,
): LossResult {
  const n = scores.length / 2;
  const g = gradScale / n;
  const d = new Float32Array(2 * n);
  let loss = 0;
  let acc = 0;
  let margin = 0;
  for (let i = 0; i < n; i++) {
    const z = scores[i] - scores[n + i];
    const y = labels[i];
    loss -= y * logSigmoid(z) + (1 - y) * logSigmoid(-z);
    const dz = (sigmoid(z) - y) * g;
    d[i] = dz;
    d[n + i] = -dz;
    acc += z > 0 === y > 0.5 ? 1 : 0;
    margin += y > 0.5 ? z : -z;
  }
  return { loss: loss / n, dRewards: d, metrics: { accuracy: acc / n, margin: margin / n } };
}
