// alpaca_eval's length-controlled GLM ("length_controlled_v1", metrics/glm_winrate.py): per model,
// logit P(model beats reference on i) = a·tanh(Δlen_i / std(Δlen)) + b·difficulty_i + c, fitted with
// L1 logistic regression on soft labels, C chosen by 5-fold GroupKFold over Cs = logspace(−4, 4, 10),
// the two "gamed" baselines' rows added with weight λ/2 (λ = 0.2), and LC = 100·mean σ(b·d_i + c)
// (predicted at zero length difference). Not the difficulty estimate (difficulty.ts).
import { InputError } from "../util/errors.js";
import { textLength } from "./annotations.js";
import { groupKFold } from "./group-kfold.js";
import { type Design, fitL1Logistic, sigmoid, softLogLoss } from "./logistic-l1.js";

/** Columns, in upstream's patsy order. */
export const glmColumns = [
  "np.tanh(std_delta_len)",
  "instruction_difficulty",
  "not_gamed_baseline.astype(float)",
];

export interface GlmRows {
  /** tanh((len(output_1) − len(output_2)) / std), lengths in code points, std with ddof 1 */
  tanhDelta: Float64Array;
  /** preference − 1 in [0, 1] (1 = model wins); NaN when missing */
  label: Float64Array;
}

export interface GlmFit {
  /** [length, difficulty, intercept] in glmColumns order */
  coef: [number, number, number];
  bestC: number;
  /** mean held-out log loss per C (upstream's scores, negated and averaged over folds) */
  cvLoss: number[];
}

export interface LcResult {
  length_controlled_winrate: number;
  lc_standard_error: number;
  fit: GlmFit | null;
}

export function lengthFeature(outputs1: string[], outputs2: string[]): Float64Array {
  const n = outputs1.length;
  const delta = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    delta[i] = textLength(outputs1[i]!) - textLength(outputs2[i]!);
    mean += delta[i]!;
  }
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (delta[i]! - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  // All length differences equal: the length term carries nothing (upstream would divide by zero).
  return delta.map((v) => (std > 0 ? Math.tanh(v / std) : 0));
}

export function glmRows(outputs1: string[], outputs2: string[], preferences: (number | null)[]): GlmRows {
  return {
    tanhDelta: lengthFeature(outputs1, outputs2),
    label: Float64Array.from(preferences, (p) => (p === null ? Number.NaN : (p === 0 ? 1.5 : p) - 1)),
  };
}

export interface GamedRows extends GlmRows {
  /** row → instruction index (into the difficulty vector) */
  index: Int32Array;
}

export interface GlmOptions {
  /** weight of the gamed baselines' rows (split between them); 0 or no gamed rows: no regularisation */
  regularizeLambda?: number;
  nSplits?: number;
  cs?: number[];
  tol?: number;
}

export const defaultCs = Array.from({ length: 10 }, (_, k) => 10 ** (-4 + (8 * k) / 9));

/** Builds the training design exactly as upstream orders it: gamed rows first, then the model's rows. */
export function glmDesign(
  rows: GlmRows,
  difficulty: ArrayLike<number>,
  gamed: GamedRows[],
  lambda: number,
): Design {
  const parts: { t: number; d: number; g: number; y: number; w: number }[] = [];
  const useGamed = lambda > 0 && gamed.length > 0;
  if (useGamed) {
    for (const gm of gamed) {
      for (let i = 0; i < gm.label.length; i++) {
        const y = gm.label[i]!;
        if (Number.isNaN(y)) continue;
        parts.push({ t: gm.tanhDelta[i]!, d: difficulty[gm.index[i]!]!, g: 0, y, w: lambda / gamed.length });
      }
    }
  }
  for (let i = 0; i < rows.label.length; i++) {
    const y = rows.label[i]!;
    if (Number.isNaN(y)) continue;
    parts.push({ t: rows.tanhDelta[i]!, d: difficulty[i]!, g: 1, y, w: 1 });
  }
  const n = parts.length;
  const x = new Float64Array(n * 3);
  for (const [i, p] of parts.entries()) x.set([p.t, p.d, p.g], i * 3);
  return {
    x,
    n,
    d: 3,
    y: Float64Array.from(parts, (p) => p.y),
    w: Float64Array.from(parts, (p) => p.w),
  };
}

/** LogisticRegressionCV(penalty="l1", GroupKFold, soft-label log-loss scorer) then refit at the best C. */
export function fitGlmCv(des: Design, opts: GlmOptions = {}): GlmFit {
  const nSplits = opts.nSplits ?? 5;
  const cs = opts.cs ?? defaultCs;
  if (des.n < nSplits) {
    throw new InputError(
      `LC win rate: ${des.n} annotated rows, need at least ${nSplits} for ${nSplits}-fold cross-validation`,
    );
  }
  // Each row is one group of two (its label-1 and label-0 copies upstream).
  const fold = groupKFold(new Float64Array(des.n).fill(2), nSplits);
  const folds: { train: Int32Array; test: Int32Array }[] = [];
  for (let f = 0; f < nSplits; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < des.n; i++) (fold[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  const cvLoss = cs.map((c) => {
    let total = 0;
    for (const { train, test } of folds) {
      total += softLogLoss(des, test, fitL1Logistic(des, c, train, { tol: opts.tol }));
    }
    return total / nSplits;
  });
  let best = 0;
  for (let k = 1; k < cs.length; k++) if (cvLoss[k]! < cvLoss[best]!) best = k;
  const bestC = cs[best]!;
  const coef = fitL1Logistic(des, bestC, undefined, { tol: opts.tol });
  return { coef: [coef[0]!, coef[1]!, coef[2]!], bestC, cvLoss };
}

/** 100·mean and 100·sem (ddof 1) of σ(b·d_i + c) over the model's instructions. */
export function lcFromCoefficients(difficulty: ArrayLike<number>, b: number, c: number): [number, number] {
  const n = difficulty.length;
  const p = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    p[i] = sigmoid(b * difficulty[i]! + c);
    mean += p[i]!;
  }
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (p[i]! - mean) ** 2;
  return [mean * 100, n > 1 ? Math.sqrt(ss / (n - 1) / n) * 100 : 0];
}

/** The whole upstream computation for one model's annotations. */
export function lengthControlledWinrate(
  rows: GlmRows,
  difficulty: ArrayLike<number>,
  gamed: GamedRows[],
  opts: GlmOptions & { isBaseline?: boolean } = {},
): LcResult {
  if (opts.isBaseline) return { length_controlled_winrate: 50, lc_standard_error: 0, fit: null };
  const des = glmDesign(rows, difficulty, gamed, opts.regularizeLambda ?? 0.2);
  const fit = fitGlmCv(des, opts);
  const [lc, se] = lcFromCoefficients(
    Array.from({ length: rows.label.length }, (_, i) => difficulty[i]!),
    fit.coef[1],
    fit.coef[2],
  );
  return { length_controlled_winrate: lc, lc_standard_error: se, fit };
}
