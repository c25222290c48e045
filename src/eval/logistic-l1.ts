// L1-regularised logistic regression with soft labels and sample weights, no intercept: the problem
// scikit-learn's LogisticRegression(penalty="l1", solver="liblinear", fit_intercept=False) solves,
//   min_w ||w||_1 + C · Σ_i s_i · [ y_i·log(1+e^{-x_i·w}) + (1−y_i)·log(1+e^{x_i·w}) ],
// which is liblinear's objective on alpaca_eval's duplicated rows (label 1 weighted s·y, label 0 weighted
// s·(1−y)). Solved by proximal Newton (GLMNET, as liblinear's newGLMNET) to a tight tolerance, so the
// result is the exact optimum rather than liblinear's early stop. Not the CV or the GLM (glm.ts).

export interface Design {
  /** row-major n × d */
  x: Float64Array;
  n: number;
  d: number;
  /** soft labels in [0, 1] */
  y: Float64Array;
  /** sample weights ≥ 0 */
  w: Float64Array;
}

export interface FitOptions {
  /** stop when the minimum-norm subgradient's max entry falls below tol × (its value at w = 0) */
  tol?: number;
  maxIter?: number;
}

function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** C · Σ s·CE(y, σ(x·w)) + ||w||₁ over the rows where mask is unset (mask = rows held out). */
function objective(des: Design, rows: Int32Array, c: number, coef: Float64Array): number {
  const { x, d, y, w } = des;
  let loss = 0;
  for (const i of rows) {
    let z = 0;
    for (let k = 0; k < d; k++) z += x[i * d + k]! * coef[k]!;
    loss += w[i]! * (y[i]! * log1pExp(-z) + (1 - y[i]!) * log1pExp(z));
  }
  let l1 = 0;
  for (let k = 0; k < d; k++) l1 += Math.abs(coef[k]!);
  return c * loss + l1;
}

/** Minimum-norm subgradient of the L1 objective (zero at the optimum). */
function subgradient(g: Float64Array, coef: Float64Array): number {
  let m = 0;
  for (let k = 0; k < g.length; k++) {
    const b = coef[k]!;
    const gk = g[k]!;
    const v = b > 0 ? gk + 1 : b < 0 ? gk - 1 : Math.max(0, Math.abs(gk) - 1);
    m = Math.max(m, Math.abs(v));
  }
  return m;
}

/** Fits on `rows` (indices into des; all rows when omitted) for one C. */
export function fitL1Logistic(
  des: Design,
  c: number,
  rows?: Int32Array,
  opts: FitOptions = {},
): Float64Array {
  const { x, d, y, w } = des;
  const idx = rows ?? Int32Array.from({ length: des.n }, (_, i) => i);
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 200;
  const coef = new Float64Array(d);
  const g = new Float64Array(d);
  const h = new Float64Array(d * d);
  const delta = new Float64Array(d);
  const trial = new Float64Array(d);
  let g0 = -1;
  let f = objective(des, idx, c, coef);
  for (let iter = 0; iter < maxIter; iter++) {
    g.fill(0);
    h.fill(0);
    for (const i of idx) {
      let z = 0;
      for (let k = 0; k < d; k++) z += x[i * d + k]! * coef[k]!;
      const p = sigmoid(z);
      const r = c * w[i]! * (p - y[i]!);
      const q = c * w[i]! * p * (1 - p);
      for (let k = 0; k < d; k++) {
        const xk = x[i * d + k]!;
        g[k]! += r * xk;
        for (let l = 0; l <= k; l++) h[k * d + l]! += q * xk * x[i * d + l]!;
      }
    }
    for (let k = 0; k < d; k++) for (let l = 0; l < k; l++) h[l * d + k] = h[k * d + l]!;
    const sg = subgradient(g, coef);
    if (g0 < 0) g0 = Math.max(sg, 1e-300);
    if (sg <= tol * g0 || sg < 1e-13) break;
    // Inner coordinate descent on the quadratic model g·Δ + ½ΔᵀHΔ + ||coef + Δ||₁.
    delta.fill(0);
    for (let sweep = 0; sweep < 1000; sweep++) {
      let change = 0;
      for (let k = 0; k < d; k++) {
        const hkk = h[k * d + k]! + 1e-12;
        let gk = g[k]!;
        for (let l = 0; l < d; l++) gk += h[k * d + l]! * delta[l]!;
        // minimise over t = coef_k + Δ_k: ½hkk(t − u)² + |t| with u = coef_k + Δ_k − gk/hkk
        const u = coef[k]! + delta[k]! - gk / hkk;
        const t = Math.sign(u) * Math.max(0, Math.abs(u) - 1 / hkk);
        const nd = t - coef[k]!;
        change = Math.max(change, Math.abs(nd - delta[k]!));
        delta[k] = nd;
      }
      if (change < 1e-15) break;
    }
    // Armijo backtracking on the full objective (liblinear's sufficient-decrease rule).
    let l1Now = 0;
    let l1New = 0;
    let gd = 0;
    for (let k = 0; k < d; k++) {
      l1Now += Math.abs(coef[k]!);
      l1New += Math.abs(coef[k]! + delta[k]!);
      gd += g[k]! * delta[k]!;
    }
    const decrease = gd + l1New - l1Now;
    let stepSize = 0;
    for (let k = 0; k < d; k++) stepSize = Math.max(stepSize, Math.abs(delta[k]!) / (1 + Math.abs(coef[k]!)));
    // Converged to machine precision: the model step no longer moves the coefficients or the objective.
    if (stepSize < 1e-13 || decrease > -1e-15 * Math.abs(f)) break;
    let step = 1;
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let k = 0; k < d; k++) trial[k] = coef[k]! + step * delta[k]!;
      const ft = objective(des, idx, c, trial);
      if (ft <= f + 0.01 * step * decrease) {
        coef.set(trial);
        f = ft;
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
  }
  return coef;
}

/** Weighted mean soft-label log loss (alpaca_eval's logloss_continuous, predictions clipped to 1e-15). */
export function softLogLoss(des: Design, rows: Int32Array, coef: Float64Array): number {
  const { x, d, y, w } = des;
  let total = 0;
  for (const i of rows) {
    let z = 0;
    for (let k = 0; k < d; k++) z += x[i * d + k]! * coef[k]!;
    const p = Math.min(Math.max(sigmoid(z), 1e-15), 1 - 1e-15);
    total += w[i]! * (y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p));
  }
  return -total / rows.length;
}
